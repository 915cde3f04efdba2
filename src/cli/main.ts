import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { SkillInUseError, type PermissionSetting } from '../core/accounts/administration.js';
import { AppError, ErrorCode, isAppError } from '../core/errors.js';
import { Role } from '../core/model.js';
import { SeedError } from '../core/seed/parse-seed.js';
import { PasswordInputError, readNewPassword } from './read-password.js';
import { openRuntime, readSeedFile, type Runtime } from '../runtime.js';
import { startServer, type RunningServer } from '../server.js';

/**
 * Exit codes: 0 done; 1 the command ran and failed (bad seed, unknown account, database down);
 * 2 the command line or the environment is wrong (usage, configuration).
 */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

class UsageError extends Error {}

const integer = (text: string): number => {
  if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError('expected a whole number');
  return Number(text);
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Runs `work` with an open runtime and closes it whatever happens. */
async function withRuntime<T>(config: Config, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(config);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** The account to act on: --account (exit 1 when there is none such), or the only account there is. */
async function accountOf(runtime: Runtime, given: string | undefined): Promise<string> {
  const accounts = await runtime.core.administration.listAccounts();
  if (given !== undefined) {
    if (accounts.some((account) => account.id === given)) return given;
    throw new AppError(ErrorCode.NOT_FOUND, `no account "${given}"`);
  }
  if (accounts.length === 1 && accounts[0] !== undefined) return accounts[0].id;
  throw new UsageError(
    accounts.length === 0
      ? 'there are no accounts yet: run `parley seed <file>`'
      : 'several accounts exist: pass --account <id>',
  );
}

const table = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

export function buildCli(out: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Command {
  const program = new Command('parley')
    .description('Parley: a self-hostable chat server compatible with LivePerson legacy chat APIs')
    .showHelpAfterError()
    .exitOverride();
  const accountOption = () => new Option('-a, --account <id>', 'account id (default: the only account)');
  const config = () => loadConfig();

  program
    .command('serve')
    .description('serve the APIs (configuration from the environment; see README)')
    .action(async () => {
      // Listened for before the start: a stop asked for while the server starts (a process
      // manager's SIGTERM right after launch) drains it once it is up instead of killing it
      // half-started. The first signal drains (bounded by PARLEY_DRAIN_TIMEOUT_MS); a second one
      // exits at once.
      let isStopping = false;
      const started: { server?: RunningServer } = {};
      const drain = () =>
        void started.server?.close().then(
          () => {
            out('Parley stopped.');
            process.exit(ExitCode.OK);
          },
          () => process.exit(ExitCode.FAILED),
        );
      const stop = () => {
        if (isStopping) process.exit(ExitCode.FAILED);
        isStopping = true;
        drain();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      started.server = await startServer(config());
      if (isStopping) drain();
    });

  program
    .command('seed')
    .description('create or update accounts, skills, users and keys from a seed file (idempotent)')
    .argument('<file>', 'seed file (JSON, see README)')
    .action(async (file: string) => {
      const seed = readSeedFile(file, 'seed file');
      const summary = await withRuntime(config(), (runtime) => runtime.core.seeds.apply(seed));
      for (const account of summary) {
        out(
          `${account.created ? 'created' : 'updated'} account ${account.accountId}: ${account.skills} skills, ${account.users} users`,
        );
      }
    });

  const users = program
    .command('users')
    .description('list, add, enable, disable and remove users, and set their passwords');
  users
    .command('list')
    .description("list an account's users")
    .addOption(accountOption())
    .option('--json', 'print JSON')
    .action(async (options: { account?: string; json?: boolean }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const skills = new Map((await runtime.core.administration.listSkills(accountId)).map((s) => [s.id, s.name]));
        const list = (await runtime.core.administration.listUsers(accountId)).map((user) => ({
          id: user.id,
          loginName: user.loginName,
          nickname: user.nickname,
          role: user.role,
          enabled: user.enabled,
          maxChats: user.maxChats,
          skills: user.skillIds.map((id) => skills.get(id) ?? String(id)),
          login: user.isApiUser ? (user.passwordHash === null ? 'api-key' : 'password+api-key') : 'password',
        }));
        if (options.json === true) return out(JSON.stringify(list, null, 2));
        out(
          table([
            ['ID', 'LOGIN', 'NICKNAME', 'ROLE', 'ENABLED', 'MAX CHATS', 'SKILLS', 'LOGIN WITH'],
            ...list.map((u) => [
              String(u.id),
              u.loginName,
              u.nickname,
              u.role,
              u.enabled ? 'yes' : 'no',
              String(u.maxChats),
              u.skills.join(','),
              u.login,
            ]),
          ]),
        );
      });
    });
  users
    .command('add')
    .description('add a user who logs in with a password')
    .argument('<loginName>')
    .addOption(accountOption())
    .option('-p, --password <password>', 'password (visible to other local users: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--nickname <name>', 'name visitors see (default: the login name)')
    .option('--full-name <name>')
    .option('--email <address>')
    .option('--skills <names>', 'comma-separated skill names', '')
    .option('--max-chats <n>', 'concurrent chats, -1 unlimited', integer, 3)
    .addOption(new Option('--role <role>', 'role').choices(Object.values(Role)).default(Role.AGENT))
    .option('--listen <skills>', 'may listen to chats of: "all" or comma-separated skill names (default: by role)')
    .option('--assist <skills>', 'may assist in and take over chats of: "all" or skill names (default: by role)')
    .action(
      async (
        loginName: string,
        options: {
          account?: string;
          password?: string;
          passwordStdin?: boolean;
          nickname?: string;
          fullName?: string;
          email?: string;
          skills: string;
          maxChats: number;
          role: Role;
          listen?: string;
          assist?: string;
        },
      ) => {
        const password = options.passwordStdin === true ? await readStdin() : options.password;
        if (password === undefined || password === '') throw new UsageError('give --password or --password-stdin');
        await withRuntime(config(), async (runtime) => {
          const accountId = await accountOf(runtime, options.account);
          const user = await runtime.core.administration.addUser(accountId, {
            loginName,
            password,
            ...(options.nickname === undefined ? {} : { nickname: options.nickname }),
            ...(options.fullName === undefined ? {} : { fullName: options.fullName }),
            ...(options.email === undefined ? {} : { email: options.email }),
            skills: options.skills
              .split(',')
              .map((name) => name.trim())
              .filter(Boolean),
            maxChats: options.maxChats,
            role: options.role,
            ...(options.listen === undefined ? {} : { listen: scopeOption(options.listen, '--listen') }),
            ...(options.assist === undefined ? {} : { assist: scopeOption(options.assist, '--assist') }),
          });
          out(`added user ${user.loginName} (id ${user.id}) to account ${accountId}`);
        });
      },
    );
  users
    .command('permissions')
    .description('set who a user may listen to and assist in shared chats ("default": by role)')
    .argument('<loginName>')
    .addOption(accountOption())
    .option('--listen <skills>', '"all", comma-separated skill names, "none" or "default"')
    .option('--assist <skills>', '"all", comma-separated skill names, "none" or "default"')
    .action(async (loginName: string, options: { account?: string; listen?: string; assist?: string }) => {
      if (options.listen === undefined && options.assist === undefined)
        throw new UsageError('give --listen or --assist');
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const setting = (value: string, flag: string): PermissionSetting =>
          value.trim() === 'default' ? 'default' : scopeOption(value, flag);
        const user = await runtime.core.administration.setSharing(accountId, loginName, {
          ...(options.listen === undefined ? {} : { listen: setting(options.listen, '--listen') }),
          ...(options.assist === undefined ? {} : { assist: setting(options.assist, '--assist') }),
        });
        out(
          `user ${user.loginName} (id ${user.id}): listen ${describeScope(user.sharing?.listen)}, assist ${describeScope(user.sharing?.assist)}`,
        );
      });
    });
  users
    .command('enable')
    .description('enable a disabled user again')
    .argument('<loginName>')
    .addOption(accountOption())
    .action(async (loginName: string, options: { account?: string }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const user = await runtime.core.administration.enableUser(accountId, loginName);
        out(`enabled user ${user.loginName} (id ${user.id}) in account ${accountId}`);
      });
    });
  users
    .command('disable')
    .description('disable a user and end its login and agent sessions')
    .argument('<loginName>')
    .addOption(accountOption())
    .action(async (loginName: string, options: { account?: string }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const user = await runtime.core.administration.disableUser(accountId, loginName);
        out(`disabled user ${user.loginName} (id ${user.id}) in account ${accountId}`);
      });
    });
  users
    .command('password')
    .description(
      "set a user's password, read from standard input (prompted for, unechoed, on a terminal); ends its sessions",
    )
    .argument('<loginName>')
    .addOption(accountOption())
    .action(async (loginName: string, options: { account?: string }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        // The user is looked up before the prompt: nobody types a password for a misspelt name.
        const known = (await runtime.core.administration.listUsers(accountId)).some(
          (user) => user.loginName.toLowerCase() === loginName.toLowerCase(),
        );
        if (!known) throw new AppError(ErrorCode.NOT_FOUND, `no user "${loginName}" in account ${accountId}`);
        const password = await readNewPassword(loginName);
        if (password === '') throw new UsageError('the password is empty: pipe it in or type it at the prompt');
        const user = await runtime.core.administration.setPassword(accountId, loginName, password);
        out(`set the password of user ${user.loginName} (id ${user.id}) in account ${accountId}; its sessions ended`);
      });
    });
  users
    .command('remove')
    .description("remove a user: its sessions end, its chats' history stays")
    .argument('<loginName>')
    .addOption(accountOption())
    .action(async (loginName: string, options: { account?: string }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const { user, endedAgentSessions } = await runtime.core.administration.removeUser(accountId, loginName);
        out(
          `removed user ${user.loginName} (id ${user.id}) from account ${accountId}` +
            (endedAgentSessions === 0
              ? ''
              : `; ended ${endedAgentSessions} agent session${endedAgentSessions === 1 ? '' : 's'}`),
        );
      });
    });

  program
    .command('offline')
    .description('read offline messages (the offline survey visitors leave when nobody is available)')
    .command('list')
    .description("list an account's offline messages, newest first")
    .addOption(accountOption())
    .option('--limit <n>', 'how many', integer, 50)
    .option('--json', 'print JSON')
    .action(async (options: { account?: string; limit: number; json?: boolean }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const messages = await runtime.core.chats.surveys.listOffline(accountId, Math.max(1, options.limit));
        if (options.json === true) return out(JSON.stringify(messages, null, 2));
        if (messages.length === 0) return out(`no offline messages in account ${accountId}`);
        for (const message of messages) {
          out(
            `${new Date(message.createdAt).toISOString()}  ${message.id}${message.skill === null ? '' : `  skill ${message.skill}`}  from ${message.visitor.visitorIp || 'unknown'}`,
          );
          for (const answer of message.survey.answers) {
            out(`  ${answer.label}: ${Array.isArray(answer.answer) ? answer.answer.join(', ') : answer.answer}`);
          }
        }
      });
    });

  const skills = program.command('skills').description('list, add and remove skills');
  skills
    .command('list')
    .description("list an account's skills")
    .addOption(accountOption())
    .option('--json', 'print JSON')
    .action(async (options: { account?: string; json?: boolean }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const list = (await runtime.core.administration.listSkills(accountId)).map(({ id, name }) => ({ id, name }));
        if (options.json === true) return out(JSON.stringify(list, null, 2));
        out(table([['ID', 'NAME'], ...list.map((skill) => [String(skill.id), skill.name])]));
      });
    });
  skills
    .command('add')
    .description('add a skill')
    .argument('<name>')
    .addOption(accountOption())
    .option('--id <n>', 'skill id (default: the next free one)', integer)
    .action(async (name: string, options: { account?: string; id?: number }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        const skill = await runtime.core.administration.addSkill(accountId, name, options.id);
        out(`added skill ${skill.name} (id ${skill.id}) to account ${accountId}`);
      });
    });
  skills
    .command('remove')
    .description('remove a skill (refused while chats of it are under way, or users still have it)')
    .argument('<name>')
    .addOption(accountOption())
    .option('--detach', 'take the skill from the users who have it (their skills, listen and assist)')
    .action(async (name: string, options: { account?: string; detach?: boolean }) => {
      await withRuntime(config(), async (runtime) => {
        const accountId = await accountOf(runtime, options.account);
        let removal;
        try {
          removal = await runtime.core.administration.removeSkill(accountId, name, { detach: options.detach === true });
        } catch (error) {
          if (error instanceof SkillInUseError) {
            const whom = error.users.length === 1 ? 'that user' : 'them';
            throw new AppError(
              ErrorCode.CONFLICT,
              `skill "${error.skill}" is still held or shared by ${error.users.join(', ')}: pass --detach to take it from ${whom}`,
            );
          }
          throw error;
        }
        const { skill, detachedFrom } = removal;
        out(
          `removed skill ${skill.name} (id ${skill.id}) from account ${accountId}` +
            (detachedFrom.length === 0 ? '' : `; detached from ${detachedFrom.join(', ')}`),
        );
      });
    });

  return program;
}

/** Runs the CLI and returns the exit code (errors printed to stderr as one clear line). */
export async function runCli(
  argv: string[],
  err: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Promise<number> {
  const program = buildCli();
  program.configureOutput({ writeErr: (text) => err(text.trimEnd()) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof PasswordInputError) {
      err(`parley: ${error.message}`);
      return ExitCode.USAGE;
    }
    if (error instanceof SeedError || isAppError(error)) {
      err(`parley: ${error.message}`);
      return ExitCode.FAILED;
    }
    err(`parley: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.FAILED;
  }
}

/** A --listen or --assist value: "all", "none" (no skill) or comma-separated skill names. */
function scopeOption(value: string, flag: string): 'all' | string[] {
  const trimmed = value.trim();
  if (trimmed === 'all') return 'all';
  if (trimmed === 'none') return [];
  const names = trimmed
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError(`${flag}: give "all", "none" or skill names`);
  return names;
}

const describeScope = (scope: 'all' | number[] | undefined) =>
  scope === undefined
    ? 'by role'
    : scope === 'all'
      ? 'all skills'
      : scope.length === 0
        ? 'none'
        : `skills ${scope.join(',')}`;
