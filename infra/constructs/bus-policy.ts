import type { EventBus } from 'aws-cdk-lib/aws-events';
import { ArnPrincipal, Effect, type IRole, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import { SOURCE } from '#schemas/events.ts';

/**
 * The bus's resource policy: only Loa's own function roles may put Loa's internal events
 * (`loa.package`, `loa.delivery`); every other principal — the CMS included, whatever its IAM policy
 * says — may put `loa.cms` events only. An explicit Deny wins over any Allow in the same account.
 * With `cmsPrincipalArn` the CMS (possibly in another account) is allowed exactly `loa.cms`.
 */
export function restrictBusSources(bus: EventBus, loaRoles: IRole[], cmsPrincipalArn?: string): void {
  bus.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OnlyLoaPutsInternalEvents',
      effect: Effect.DENY,
      principals: [new StarPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        StringNotEquals: { 'events:source': [SOURCE.cms] },
        ArnNotEquals: { 'aws:PrincipalArn': loaRoles.map((r) => r.roleArn) },
      },
    }),
  );
  if (cmsPrincipalArn) {
    bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CmsPutsCmsEvents',
        effect: Effect.ALLOW,
        principals: [new ArnPrincipal(cmsPrincipalArn)],
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': [SOURCE.cms] } },
      }),
    );
  }
}
