/** CDK entry (`cdk.json`): `npx cdk synth [-c stage=prod] [-c alarmEmail=ops@example.org]`. */
import { createLoaApp } from '#infra/stacks/loa-app.ts';

createLoaApp().app.synth();
