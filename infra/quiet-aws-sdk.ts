/**
 * Imported first by every process entry on this machine (`npm start`, the CLI, benchmarks): turns
 * off the AWS SDK's eight-line "NodeVersionSupportWarning" (printed on Node < 22 by
 * `emitWarningIfUnsupportedVersion` in `@aws-sdk/core`) through the switch that code reads. Node 20
 * is supported here until the SDK drops it (package.json `engines`); Lambda runs Node 22. An
 * operator who sets the variable themselves keeps their value.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
