/** Examples for each command's help (`loa help <command>`), keyed by the command's words. */
export const EXAMPLES: Record<string, string[]> = {
  'agreements list': ['loa agreements list', 'loa agreements list --json | jq -r ".data[].agreementId"'],
  'agreements get': ['loa agreements get vtv4-hagiang-2024'],
  'agreements create': [
    'loa agreements create agreement.json',
    'cat agreement.json | loa agreements create -',
  ],
  'agreements update': [
    'loa agreements update vtv4-hagiang-2024 --topics infrastructure,culture-tourism',
    'loa agreements update vtv4-hagiang-2024 --webhook-url webhook=https://cms.example/hook',
  ],
  'agreements suspend': ['loa agreements suspend vtv4-hagiang-2024'],
  'agreements resume': ['loa agreements resume vtv4-hagiang-2024'],
  'channels resume': [
    'loa channels resume vtv4-hagiang-2024 webhook',
    'loa channels resume vtv4-hagiang-2024 webhook --rate 2',
  ],
  'channels rotate-secret': [
    'loa channels rotate-secret vtv4-hagiang-2024 webhook',
    'loa channels rotate-secret vov-hagiang-2025 ingest --overlap-hours 72',
  ],
  'agreements history': ['loa agreements history vtv4-hagiang-2024'],
  'agreements renew': ['loa agreements renew vtv4-hagiang-2024 --from 2027-02-16 --to 2030-02-15'],
  'report agreement': [
    'loa report agreement vtv4-hagiang-2024',
    'loa report agreement vtv4-hagiang-2024 --from 2025-01-01 --to 2025-12-31 --format xlsx -o vtv4-2025.xlsx',
  ],
  'report overview': [
    'loa report overview --from 2025-01-01 --to 2025-12-31',
    'loa report overview --format csv -o overview.csv',
  ],
  'report expiring': ['loa report expiring', 'loa report expiring --days 90 --json'],
  'partners list': ['loa partners list'],
  'deliveries list': [
    'loa deliveries list --status failed --since 24h',
    'loa deliveries list --agreement vtv4-hagiang-2024 --channel webhook --all --wide',
  ],
  'deliveries get': ['loa deliveries get dlv_…'],
  'deliveries attempts': ['loa deliveries attempts dlv_…'],
  replay: ['loa replay dlv_…', 'loa replay dlv_… --latest'],
  'replays start': [
    'loa replays start --agreement vtv4-hagiang-2024 --since 24h --dry-run',
    'loa replays start --agreement vtv4-hagiang-2024 --since 24h --rate 20',
  ],
  'replays status': ['loa replays status rpl_…', 'loa replays status bkf_… --wait'],
  'replays cancel': ['loa replays cancel rpl_…'],
  backfill: [
    'loa backfill cong-tin-vung-cao-2025 --days 7 --dry-run',
    'loa backfill cong-tin-vung-cao-2025 --days 7',
  ],
  why: ['loa why hagiang-dong-van-ocop-2024 --agreement vtv4-hagiang-2024 --version 1'],
  'route-preview': ['loa route-preview events/content-approved.en.json'],
  'feed-url': ['loa feed-url vtv4-hagiang-2024 --format rss --ttl 7d'],
  rejections: ['loa rejections'],
  audit: ['loa audit', 'loa audit --limit 20 --json'],
  health: ['loa health', 'loa health --hours 168'],
  'events send': [
    'loa events send events/content-approved.vi.json',
    'loa events send events/content-withdrawn.json',
    'jq ".Detail.article.version = 3" events/content-approved.vi.v2.json | loa events send -',
  ],
  'demo partner': ['loa demo partner cong-tin-vung-cao --fail', 'loa demo partner cong-tin-vung-cao --fix'],
  'migrate model-2': [
    'AWS_PROFILE=ops loa migrate model-2 --table <TableName output> --region eu-west-1 --dry-run',
    'AWS_PROFILE=ops loa migrate model-2 --table <TableName output> --region eu-west-1',
  ],
  dashboard: ['AWS_PROFILE=ops loa dashboard --endpoint https://<apiId>.execute-api.<region>.amazonaws.com'],
};
