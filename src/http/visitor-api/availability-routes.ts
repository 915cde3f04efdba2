import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { presentSkills, presentSkillsAvailability } from './account-presenter.js';
import { availabilityQuery, availableSlotsQuery, estimatedWaitTimeQuery } from './account-schemas.js';
import { availabilityParams, visitorAccounts } from './visitor-request.js';

/** Whether and when an account can take a chat (server-chat §3.1–3.3, rows 1–3), and its skills. */
export function registerAvailabilityRoutes(app: FastifyInstance, core: Core): void {
  const { capacity } = core.chats;

  registerResource(app, '/chat/availability', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const query = parseInput(availabilityQuery, availabilityParams(request));
      if ('skills' in query) {
        const skills = await capacity.availabilityOfSkills(account, query.skills, query.maxWaitTime);
        return sendLegacy(reply, 200, presentSkillsAvailability(skills));
      }
      const audience = await capacity.audience(account, query.audience);
      return sendLegacy(reply, 200, { availability: await capacity.isAvailable(account, audience, query.maxWaitTime) });
    },
  });

  registerResource(app, '/chat/availableSlots', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const audience = await capacity.audience(account, parseInput(availableSlotsQuery, availabilityParams(request)));
      return sendLegacy(reply, 200, { availableSlots: await capacity.availableSlots(account, audience) });
    },
  });

  registerResource(app, '/chat/estimatedWaitTime', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const query = parseInput(estimatedWaitTimeQuery, availabilityParams(request));
      const audience = await capacity.audience(account, query);
      return sendLegacy(reply, 200, { estimatedWaitTime: await capacity.estimatedWaitTime(account, audience) });
    },
  });

  // Parley's addition (docs/LEGACY-QUIRKS.md): the skills a visitor may choose from, each with
  // §3.1's availability, so a chat window can offer a choice without knowing the names beforehand.
  registerResource(app, '/chat/skills', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      return sendLegacy(reply, 200, presentSkills(await capacity.skillAvailability(account)));
    },
  });

  // Parley's addition (docs/LEGACY-QUIRKS.md): whether transcripts can be e-mailed here (SMTP
  // configured), so a chat window offers the form only where it works. Legacy clients never ask.
  registerResource(app, '/chat/transcriptAvailability', {
    GET: async (request, reply) => {
      visitorAccounts.of(request);
      return sendLegacy(reply, 200, { transcriptAvailability: { email: core.chats.transcripts.isConfigured } });
    },
  });
}
