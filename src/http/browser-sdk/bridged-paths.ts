/**
 * The paths LivePerson's JavaScript Chat SDK reaches through the bridge page and the JSONP
 * transport: the account root, the Server Chat API's chats and conversations, and the App
 * Engagement API. Nothing else (no Login Service, no Chat Agent API): the bridges carry no cookie,
 * but they need not reach what the SDK never asks for.
 */
export const BRIDGED_PATH =
  /^\/api\/account\/[^/]+(?:\.json|\.xml)?(?:\/(?:chat|conversation|app\/engagement)(?:[/.].*)?)?$/;
