import { useEffect, useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import type { ChatParams } from './chat-params.js';
import { ChatHeader } from './chat-header.js';
import { ErrorAlert } from './error-alert.js';
import { SkillOffer } from './skill-offer.js';
import { SkillPicker, type SkillChoice } from './skill-picker.js';

interface StartScreenProps {
  params: ChatParams;
  onStarted(chat: VisitorClient, skill: string | undefined): void;
}

/**
 * Before the chat: the skill (unless the page's address names one), then either the pre-chat survey
 * or, when nobody is available, the offline message.
 */
export function StartScreen({ params, onStarted }: StartScreenProps) {
  // undefined: still loading; [] (or a skill in the address): nothing to choose.
  const [skills, setSkills] = useState<SkillChoice[] | undefined>(params.skill === undefined ? undefined : []);
  const [skill, setSkill] = useState<string | undefined>(params.skill);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (params.skill !== undefined) return;
    let isCurrent = true;
    VisitorClient.skills(params).then(
      (list) => {
        if (!isCurrent) return;
        setSkills(list);
        // The first skill someone can take now; else the first, whose offline message still works.
        setSkill((list.find((choice) => choice.isAvailable) ?? list[0])?.name);
      },
      (failure: unknown) => {
        if (!isCurrent) return;
        setError(failure);
        setSkills([]);
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [params]);

  return (
    <div className="chat-app">
      <ChatHeader
        title="Chat with us"
        subtitle="Ask us anything. We're happy to help."
        isEmbedded={params.isEmbedded}
      />
      <main className="chat-body start">
        <ErrorAlert error={error} />
        {skills === undefined ? (
          <p className="loading" aria-live="polite">
            Loading…
          </p>
        ) : (
          <>
            {skills.length > 0 && skill !== undefined && (
              <SkillPicker skills={skills} value={skill} onChange={setSkill} />
            )}
            <SkillOffer key={skill ?? ''} params={params} skill={skill} onStarted={onStarted} />
          </>
        )}
      </main>
    </div>
  );
}
