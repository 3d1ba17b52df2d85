/**
 * The access key id the CMS (and the demo, the tests, `curl` scripts and `loa events send` acting as
 * the CMS) signs its PutEvents calls with locally. It may put `loa.cms` events only, as `docs/aws.md`'s
 * CMS policy allows. A module of its own so the CLI's bundle takes this line and nothing else.
 */
export const LOCAL_CMS_ACCESS_KEY_ID = 'LOACMSLOCAL';
