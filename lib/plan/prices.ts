/**
 * The AWS prices a run plan's cost comes from: US East (N. Virginia), on-demand, first pricing tier,
 * free tier ignored. Each price names the AWS pricing page it was read from and the date it was
 * read; a plan prints both beside its figures, so a reader can check them and see how old they are.
 *
 * How each was checked on 2026-12-07: the Step Functions page states "$0.0250" per 1,000 state
 * transitions for US East (N. Virginia) in its text. The Lambda, CloudWatch and S3 pages fill their
 * price tables in the browser (the stored copies hold template tokens), so those figures were checked
 * against the pages' wording (INIT billed as duration, per-1 ms billing, Lambda logs as tiered vended
 * logs whose first tier is the Standard class's rate) and against independent copies of the tables:
 * this project's field notes for Lambda (x86 $0.0000166667 and Arm $0.0000133334 per GB-s, $0.20 per
 * million requests), Duckbill Group's note on Lambda's tiered log pricing ($0.50/GB first tier,
 * us-east-1), and S3 guides quoting $0.023 per GB-month, $0.005 per 1,000 PUT and $0.0004 per 1,000 GET.
 */

export interface Price {
  /** US dollars per `per` units of `unit`. */
  usd: number;
  per: number;
  unit: string;
  /** The AWS pricing page. */
  source: string;
  /** When the page was read (YYYY-MM-DD). */
  read: string;
  /** What on the page the figure is. */
  note: string;
}

export const PRICES_READ = '2026-12-07';
export const PRICING_REGION = 'us-east-1';

const LAMBDA_PAGE = 'https://aws.amazon.com/lambda/pricing/';
const SFN_PAGE = 'https://aws.amazon.com/step-functions/pricing/';
const CLOUDWATCH_PAGE = 'https://aws.amazon.com/cloudwatch/pricing/';
const S3_PAGE = 'https://aws.amazon.com/s3/pricing/';

export const PRICES = {
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    per: 1,
    unit: 'GB-second',
    source: LAMBDA_PAGE,
    read: PRICES_READ,
    note: 'Duration, x86, first 6 billion GB-seconds a month; INIT is billed as duration (since 2025-08-01 for every on-demand function)',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second',
    source: LAMBDA_PAGE,
    read: PRICES_READ,
    note: 'Duration, Arm, first 7.5 billion GB-seconds a month',
  },
  lambdaRequests: { usd: 0.2, per: 1_000_000, unit: 'requests', source: LAMBDA_PAGE, read: PRICES_READ, note: 'Requests, either architecture' },
  stepFunctionsTransitions: {
    usd: 0.025,
    per: 1000,
    unit: 'state transitions',
    source: SFN_PAGE,
    read: PRICES_READ,
    note: 'Standard workflows, US East (N. Virginia); every state entered counts, retries included',
  },
  logsIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB ingested',
    source: CLOUDWATCH_PAGE,
    read: PRICES_READ,
    note: 'Logs, Standard log class, collect (data ingestion); Lambda and Step Functions logs are vended logs, first tier the same $0.50/GB',
  },
  s3PutRequests: {
    usd: 0.005,
    per: 1000,
    unit: 'PUT, COPY, POST or LIST requests',
    source: S3_PAGE,
    read: PRICES_READ,
    note: 'S3 Standard requests',
  },
  s3GetRequests: { usd: 0.0004, per: 1000, unit: 'GET, SELECT and other requests', source: S3_PAGE, read: PRICES_READ, note: 'S3 Standard requests' },
  s3Storage: { usd: 0.023, per: 1, unit: 'GB-month', source: S3_PAGE, read: PRICES_READ, note: 'S3 Standard, first 50 TB a month' },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** What the cost of a plan assumes, printed with it. */
export const PRICING_ASSUMPTIONS: readonly string[] = [
  `Region ${PRICING_REGION} (US East, N. Virginia): on-demand prices of the first pricing tier, read ${PRICES_READ} from the pages named beside each price; other regions have their own prices.`,
  'x86_64 functions at the x86 price, arm64 functions at the Arm price; the Task functions of the state machine run on x86_64.',
  'The free tier is ignored: a fresh account pays less (1M Lambda requests, 400,000 GB-s and 4,000 state transitions a month are free).',
  'Lambda bills INIT as duration for every on-demand function (since 2025-08-01), so each cold start costs its Init Duration too.',
  'Not counted: X-Ray traces (one per execution), the stack between runs (the PyTorch image in ECR, log and S3 storage after the first month), data transfer (everything stays in the region).',
];

/** The cost of `quantity` units at a price. */
export function priceOf(name: PriceName, quantity: number): number {
  const p = PRICES[name];
  return (quantity / p.per) * p.usd;
}
