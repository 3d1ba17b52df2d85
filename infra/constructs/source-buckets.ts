import { Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { parseSourceRules } from '#domain/source-buckets.ts';

/**
 * Lets the package role read the extra asset sources an operator configured (`-c sourceBuckets=`,
 * `bucket` or `bucket/prefix/` entries, besides the content bucket) and nothing more: each entry is
 * one read-only statement on that bucket's objects under that prefix. The same list goes to
 * LOA_SOURCE_BUCKETS, which the package function checks before any copy.
 */
export function grantSourceBuckets(role: IRole, entries: readonly string[]): void {
  for (const rule of parseSourceRules(entries)) {
    const resource = `arn:aws:s3:::${rule.bucket}/${rule.prefix}*`;
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectTagging'], resources: [resource] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        'an operator-configured asset source (-c sourceBuckets): read-only, that bucket and prefix only',
    });
  }
}
