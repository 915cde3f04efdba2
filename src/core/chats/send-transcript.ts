import { AppError, ErrorCode } from '../errors.js';
import type { Mailer, Store } from '../ports.js';
import { isValidEmailAddress, renderTranscript } from './transcript.js';
import type { VisitorChat } from './visitor-chat.js';

/** A transcript request as the transport read it (server-chat §3.18). */
export interface TranscriptRequest {
  /** The address as given, trimmed; checked here. */
  email: string;
  /** The visitor's offset from UTC; NaN when the request's was not a number. */
  timezoneOffsetMs: number;
  subject?: string;
}

/** ±14 hours: every time zone there is. */
const MAX_OFFSET_MS = 14 * 3_600_000;

/**
 * transcriptRequest and transcriptWithSubjectRequest (server-chat §3.18): e-mails the chat's lines
 * to the visitor, times in the visitor's `timezoneOffset`. A malformed address is 400 / 40; a server
 * without SMTP configured answers 404 / 42 (the feature is not there, like an unconfigured survey);
 * a mail server that does not take the message is 503, which clients retry.
 */
export function createSendTranscript(deps: { store: Store; visitorChat: VisitorChat; mailer: Mailer | undefined }) {
  const { store, visitorChat, mailer } = deps;
  return {
    /** Whether transcripts can be e-mailed at all (SMTP configured). */
    isConfigured: mailer !== undefined,
    async send(
      accountId: string,
      chatId: string,
      request: TranscriptRequest,
      options: { withSubject: boolean },
    ): Promise<void> {
      const { account, chat } = await visitorChat.touch(accountId, chatId);
      const { email, timezoneOffsetMs } = request;
      if (!isValidEmailAddress(email)) {
        throw new AppError(ErrorCode.VALIDATION, 'email must be a valid e-mail address', { field: 'email' });
      }
      if (!Number.isFinite(timezoneOffsetMs) || Math.abs(timezoneOffsetMs) > MAX_OFFSET_MS) {
        throw new AppError(ErrorCode.VALIDATION, 'timezoneOffset must be milliseconds from UTC', {
          field: 'timezoneOffset',
        });
      }
      const subject = options.withSubject ? request.subject : undefined;
      if (mailer === undefined)
        throw new AppError(ErrorCode.NOT_FOUND, 'Transcripts by e-mail are not configured on this server');
      const events = await store.chats.events(accountId, chatId, 0);
      const message = renderTranscript({
        chat,
        events,
        accountName: account.name,
        to: email,
        timezoneOffsetMs,
        ...(subject === undefined ? {} : { subject }),
      });
      try {
        await mailer.send(message);
      } catch (error) {
        throw new AppError(ErrorCode.UNAVAILABLE, 'The mail server did not accept the transcript', { cause: error });
      }
    },
  };
}

export type SendTranscript = ReturnType<typeof createSendTranscript>;
