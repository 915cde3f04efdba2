import { useEffect, useState } from 'react';
import { VisitorClient, type Survey } from '@parley/sdk';
import { queryOf, type ChatParams } from './chat-params.js';
import { isNotFound } from './describe-error.js';
import { ErrorAlert } from './error-alert.js';
import { OfflineMessage } from './offline-message.js';
import { PreChat } from './pre-chat.js';

type Offer =
  | { kind: 'loading' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'offline' }
  | { kind: 'chat'; survey: Survey | undefined };

interface SkillOfferProps {
  params: ChatParams;
  skill: string | undefined;
  onStarted(chat: VisitorClient, skill: string | undefined): void;
}

/**
 * What one skill offers now: a chat (with its pre-chat survey, if configured) when an agent is
 * available (server-chat §3.1, §3.4), else the offline message (§3.5). Keyed by the skill, so a new
 * choice starts over.
 */
export function SkillOffer({ params, skill, onStarted }: SkillOfferProps) {
  const [offer, setOffer] = useState<Offer>({ kind: 'loading' });

  useEffect(() => {
    let isCurrent = true;
    const query = queryOf(params, skill);
    const load = async (): Promise<Offer> => {
      if (!(await VisitorClient.isAvailable(query))) return { kind: 'offline' };
      try {
        return { kind: 'chat', survey: await VisitorClient.preChatSurvey(query) };
      } catch (error) {
        if (isNotFound(error)) return { kind: 'chat', survey: undefined };
        throw error;
      }
    };
    load().then(
      (loaded) => isCurrent && setOffer(loaded),
      (error: unknown) => isCurrent && setOffer({ kind: 'failed', error }),
    );
    return () => {
      isCurrent = false;
    };
  }, [params, skill]);

  switch (offer.kind) {
    case 'loading':
      return (
        <p className="loading" aria-live="polite">
          Checking who is available…
        </p>
      );
    case 'failed':
      return <ErrorAlert error={offer.error} />;
    case 'offline':
      return <OfflineMessage params={params} skill={skill} />;
    case 'chat':
      return <PreChat params={params} skill={skill} survey={offer.survey} onStarted={onStarted} />;
  }
}
