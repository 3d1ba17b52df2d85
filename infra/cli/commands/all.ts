/** Every ops API command, by noun, in the order help lists them. */
import type { Command } from '../command.ts';
import { AGREEMENT_LIFE_COMMANDS } from './agreement-life.ts';
import { AGREEMENT_COMMANDS, PARTNER_COMMANDS } from './agreements.ts';
import { ARTICLE_COMMANDS } from './articles.ts';
import { AUDIT_COMMANDS } from './audit.ts';
import { CHANNEL_COMMANDS } from './channels.ts';
import { DELIVERY_COMMANDS } from './deliveries.ts';
import { REPLAY_COMMANDS } from './replays.ts';
import { REPORT_COMMANDS } from './report.ts';

export const COMMANDS: Command[] = [
  ...REPORT_COMMANDS,
  ...AGREEMENT_LIFE_COMMANDS,
  ...AGREEMENT_COMMANDS,
  ...CHANNEL_COMMANDS,
  ...PARTNER_COMMANDS,
  ...DELIVERY_COMMANDS,
  ...REPLAY_COMMANDS,
  ...ARTICLE_COMMANDS,
  ...AUDIT_COMMANDS,
];
