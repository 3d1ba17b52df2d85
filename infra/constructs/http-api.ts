import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type HttpRoute as CdkHttpRoute,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '#infra/stacks/stage.ts';
import type { HttpRoute } from '#infra/wiring.ts';

/**
 * JSON access log line. The query string is left out on purpose: signed links carry their
 * signature there, and the path and route key are enough to diagnose.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    principal: '$context.identity.userArn',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The HTTP API: every wiring route on its function, IAM-authorised or public as the route says.
 * Routes are served from the `$default` stage, so paths carry no stage prefix: signed asset and
 * feed URLs sign the path the handler sees (`rawPath`).
 */
export class LoaHttpApi extends Construct {
  readonly api: HttpApi;
  readonly defaultStage: HttpStage;
  readonly accessLogs: LogGroup;
  /** Routes with no authorisation in front (their handlers check a URL signature). */
  readonly publicRoutes: CdkHttpRoute[] = [];

  constructor(scope: Construct, id: string, stage: StageConfig) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `loa-${stage.name}`,
      description: 'Loa: partner feeds and assets (signed URLs), operators (IAM)',
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: stage.logRetention,
      removalPolicy: stage.removalPolicy,
    });
    this.defaultStage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: stage.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /**
   * Adds the wiring's routes (after the functions exist: their environment names this API's URL).
   * One integration per function, shared by its routes.
   */
  addWiringRoutes(routes: readonly HttpRoute[], handlers: Readonly<Record<string, IFunction>>): void {
    const iam = new HttpIamAuthorizer();
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of routes) {
      const handler = handlers[route.target];
      if (!handler) throw new Error(`no function for route target ${route.target}`);
      let integration = integrations.get(route.target);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.target}-integration`, handler);
        integrations.set(route.target, integration);
      }
      const added = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.auth === 'iam' && { authorizer: iam }),
      });
      if (route.auth === 'none') this.publicRoutes.push(...added);
    }
  }

  /** The API's base URL (no trailing slash), as handlers build public links from it. */
  get baseUrl(): string {
    return this.api.apiEndpoint;
  }
}
