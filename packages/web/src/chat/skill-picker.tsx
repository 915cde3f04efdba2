import { useId } from 'react';

/** A skill as `VisitorClient.skills()` lists it. */
export interface SkillChoice {
  name: string;
  isAvailable: boolean;
}

interface SkillPickerProps {
  skills: SkillChoice[];
  value: string;
  onChange(skill: string): void;
}

/** The "Skill" select: which team the visitor wants, with who is offline said in the option. */
export function SkillPicker({ skills, value, onChange }: SkillPickerProps) {
  const id = useId();
  return (
    <div className="field skill-picker">
      <label htmlFor={id}>Skill</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {skills.map((skill) => (
          <option key={skill.name} value={skill.name}>
            {skill.isAvailable ? skill.name : `${skill.name} (offline)`}
          </option>
        ))}
      </select>
    </div>
  );
}
