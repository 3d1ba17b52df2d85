export { FacebookAdapter } from './facebook.ts';
export { type NetworkAdapter, SocialNetworkAdapter, type SocialSent } from './network-adapter.ts';
export { type NetworkDeps, networkAdapters, SocialAdapter } from './social-adapter.ts';
export { TokenSession } from './token-session.ts';
export { XAdapter } from './x.ts';
export { ZaloAdapter } from './zalo.ts';
