import { useEffect, useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import { connectionOf, type ChatParams } from './chat-params.js';
import { ChatHeader } from './chat-header.js';
import { SkillOffer } from './skill-offer.js';
import { SkillPicker, type SkillChoice } from './skill-picker.js';

/**
 * The skill the page's address names, as the account spells it; undefined (the default queue) when
 * the account has no such skill — a typo or a renamed skill must not show the offline form while
 * agents of the default queue are online (the server routes an unknown skill's chat there, but
 * answers its availability `false`). A server that lists no skills gets the name as it is.
 */
function skillInAddress(name: string, skills: readonly SkillChoice[]): string | undefined {
  if (skills.length === 0) return name;
  const known =
    skills.find((choice) => choice.name === name) ??
    skills.find((choice) => choice.name.toLowerCase() === name.toLowerCase());
  return known?.name;
}

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
  const [skills, setSkills] = useState<SkillChoice[] | undefined>();
  const [skill, setSkill] = useState<string | undefined>(params.skill);

  useEffect(() => {
    let isCurrent = true;
    VisitorClient.skills(connectionOf(params)).then(
      (list) => {
        if (!isCurrent) return;
        if (params.skill !== undefined) {
          setSkill(skillInAddress(params.skill, list));
          setSkills([]);
          return;
        }
        setSkills(list);
        // The first skill someone can take now; else the first, whose offline message still works.
        setSkill((list.find((choice) => choice.isAvailable) ?? list[0])?.name);
      },
      (failure: unknown) => {
        if (!isCurrent) return;
        // No choice then: the offer below asks the server again and says plainly what went wrong.
        console.warn('Chat: the skills could not be read', failure);
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
