import type { LoggedIn } from '../../core/auth/login.js';
import type { BaseUri } from '../../core/domain/resolve-services.js';
import { roleTypeId } from '../../core/model.js';
import { offsetMs } from '../legacy/time-format.js';

const serverTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The login object (platform §4.4): the documented fields in the documented order, plus
 * `config.userPid` and `sessionId`, which clients read although the example omits them.
 * `sessionTTl` is a string, with its odd casing, as documented.
 */
export function presentLogin(login: LoggedIn, baseURIs: BaseUri[]) {
  const { now } = login;
  const zone = serverTimeZone();
  return {
    csrf: login.tokens.csrf,
    wsuk: login.tokens.wsuk,
    config: {
      loginName: login.user.loginName,
      userId: String(login.user.id),
      userPid: login.user.pid,
      userPrivileges: [] as number[],
      serverCurrentTime: now,
      timeDiff: 0,
      serverTimeZoneName: zone,
      serverTimeGMTDiff: offsetMs(now, zone),
      isLPA: false,
      isAdmin: roleTypeId[login.user.role] === 1,
      accountTimeZoneId: login.account.settings.timeZone,
    },
    csdsCollectionResponse: { baseURIs },
    accountData: {
      // The root agent group every account has (platform §7.7); groups are not otherwise modelled yet.
      agentGroupsData: { items: [{ id: -1, deleted: false, name: 'Main Group' }], revision: 1 },
    },
    sessionTTl: String(login.account.settings.loginSessionTtlMs),
    bearer: login.tokens.bearer,
    sessionId: login.tokens.cookie,
  };
}
