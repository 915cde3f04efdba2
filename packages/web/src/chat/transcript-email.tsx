import { useId, useState, type FormEvent } from 'react';
import type { VisitorClient } from '@parley/sdk';
import { ErrorAlert } from './error-alert.js';

/** "Email transcript": the chat's lines sent to an address the visitor gives (server-chat §3.18). */
export function TranscriptEmail({ chat }: { chat: VisitorClient }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [isSending, setIsSending] = useState(false);
  const [sentTo, setSentTo] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    if (address === '') return;
    setIsSending(true);
    setError(undefined);
    try {
      // The API wants the offset in milliseconds east of UTC; getTimezoneOffset is minutes west.
      await chat.requestTranscript(address, { timezoneOffset: -new Date().getTimezoneOffset() * 60_000 });
      setSentTo(address);
    } catch (failure) {
      setError(failure);
    } finally {
      setIsSending(false);
    }
  };

  return (
    <section className="card" aria-label="Transcript by email">
      <form className="transcript-email" onSubmit={(event) => void send(event)}>
        <h2>Get a copy of this chat</h2>
        <label htmlFor={id}>Email</label>
        <div className="inline-form">
          <input
            id={id}
            type="email"
            autoComplete="email"
            placeholder="you@example.com"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
          <button type="submit" className="secondary" disabled={isSending}>
            Email transcript
          </button>
        </div>
      </form>
      <ErrorAlert error={error} />
      <div role="status">{sentTo !== undefined && <p className="confirmation">Transcript sent to {sentTo}.</p>}</div>
    </section>
  );
}
