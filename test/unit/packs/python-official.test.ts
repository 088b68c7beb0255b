import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedFile, generateWithPack, toTemplateRegistry } from '../../../node/generation/index.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { pythonSymbols } from '../../../node/validation/symbols/python.js';
import type { ExtractedSymbol } from '../../../node/validation/symbols/types.js';
import { createPythonToolchain } from '../../../node/validation/toolchains/python.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { SHOP_REGISTRY } from '../../helpers/registry.js';
import { skipNote, toolchain as tools } from '../../helpers/tools.js';

/**
 * Facts about the official Python package opentelemetry-semantic-conventions generated from
 * semantic conventions v1.44.0 (opentelemetry-python at its 1.44.0 update): an official name (a
 * constant, `Class.MEMBER` of an enum class, or a `create_*` metric factory), its value (for a factory:
 * the instrument type it returns), the module that declares it, and how it is marked there: 'moved'
 * (the `_incubating` copy of a stable item: "Deprecated in favor of stable :py:const:`...`", on the
 * constant, the member or its enum class), 'deprecated' (a `Deprecated:` docstring, or a deprecated
 * enum class) or '' (neither). Read from the package, written here as data.
 */
type Mark = '' | 'moved' | 'deprecated';
type Fact = [name: string, value: string | number, module: string, mark: Mark];

const OFFICIAL: Fact[] = [
  ['CLIENT_ADDRESS', 'client.address', 'opentelemetry/semconv/attributes/client_attributes.py', ''],
  ['CLIENT_PORT', 'client.port', 'opentelemetry/semconv/attributes/client_attributes.py', ''],
  [
    'CLIENT_ADDRESS',
    'client.address',
    'opentelemetry/semconv/_incubating/attributes/client_attributes.py',
    'moved',
  ],
  ['CODE_COLUMN_NUMBER', 'code.column.number', 'opentelemetry/semconv/attributes/code_attributes.py', ''],
  ['CODE_FILE_PATH', 'code.file.path', 'opentelemetry/semconv/attributes/code_attributes.py', ''],
  [
    'CODE_COLUMN_NUMBER',
    'code.column.number',
    'opentelemetry/semconv/_incubating/attributes/code_attributes.py',
    'moved',
  ],
  ['DB_COLLECTION_NAME', 'db.collection.name', 'opentelemetry/semconv/attributes/db_attributes.py', ''],
  ['DB_NAMESPACE', 'db.namespace', 'opentelemetry/semconv/attributes/db_attributes.py', ''],
  ['DbSystemNameValues.MARIADB', 'mariadb', 'opentelemetry/semconv/attributes/db_attributes.py', ''],
  [
    'DB_COLLECTION_NAME',
    'db.collection.name',
    'opentelemetry/semconv/_incubating/attributes/db_attributes.py',
    'moved',
  ],
  ['ERROR_TYPE', 'error.type', 'opentelemetry/semconv/attributes/error_attributes.py', ''],
  ['ErrorTypeValues.OTHER', '_OTHER', 'opentelemetry/semconv/attributes/error_attributes.py', ''],
  ['ERROR_TYPE', 'error.type', 'opentelemetry/semconv/_incubating/attributes/error_attributes.py', 'moved'],
  [
    'EXCEPTION_ESCAPED',
    'exception.escaped',
    'opentelemetry/semconv/attributes/exception_attributes.py',
    'deprecated',
  ],
  ['EXCEPTION_MESSAGE', 'exception.message', 'opentelemetry/semconv/attributes/exception_attributes.py', ''],
  [
    'EXCEPTION_MESSAGE',
    'exception.message',
    'opentelemetry/semconv/_incubating/attributes/exception_attributes.py',
    'moved',
  ],
  [
    'HTTP_REQUEST_HEADER_TEMPLATE',
    'http.request.header',
    'opentelemetry/semconv/attributes/http_attributes.py',
    '',
  ],
  ['HTTP_REQUEST_METHOD', 'http.request.method', 'opentelemetry/semconv/attributes/http_attributes.py', ''],
  ['HttpRequestMethodValues.CONNECT', 'CONNECT', 'opentelemetry/semconv/attributes/http_attributes.py', ''],
  [
    'HTTP_REQUEST_HEADER_TEMPLATE',
    'http.request.header',
    'opentelemetry/semconv/_incubating/attributes/http_attributes.py',
    'moved',
  ],
  ['K8S_CLUSTER_NAME', 'k8s.cluster.name', 'opentelemetry/semconv/attributes/k8s_attributes.py', ''],
  ['K8S_CLUSTER_UID', 'k8s.cluster.uid', 'opentelemetry/semconv/attributes/k8s_attributes.py', ''],
  [
    'K8S_CLUSTER_NAME',
    'k8s.cluster.name',
    'opentelemetry/semconv/_incubating/attributes/k8s_attributes.py',
    'moved',
  ],
  [
    'NETWORK_LOCAL_ADDRESS',
    'network.local.address',
    'opentelemetry/semconv/attributes/network_attributes.py',
    '',
  ],
  ['NETWORK_LOCAL_PORT', 'network.local.port', 'opentelemetry/semconv/attributes/network_attributes.py', ''],
  ['NetworkTransportValues.TCP', 'tcp', 'opentelemetry/semconv/attributes/network_attributes.py', ''],
  [
    'NETWORK_LOCAL_ADDRESS',
    'network.local.address',
    'opentelemetry/semconv/_incubating/attributes/network_attributes.py',
    'moved',
  ],
  ['OTEL_EVENT_NAME', 'otel.event.name', 'opentelemetry/semconv/attributes/otel_attributes.py', ''],
  ['OTEL_SCOPE_NAME', 'otel.scope.name', 'opentelemetry/semconv/attributes/otel_attributes.py', ''],
  ['OtelStatusCodeValues.OK', 'OK', 'opentelemetry/semconv/attributes/otel_attributes.py', ''],
  [
    'OTEL_EVENT_NAME',
    'otel.event.name',
    'opentelemetry/semconv/_incubating/attributes/otel_attributes.py',
    'moved',
  ],
  ['SERVER_ADDRESS', 'server.address', 'opentelemetry/semconv/attributes/server_attributes.py', ''],
  ['SERVER_PORT', 'server.port', 'opentelemetry/semconv/attributes/server_attributes.py', ''],
  [
    'SERVER_ADDRESS',
    'server.address',
    'opentelemetry/semconv/_incubating/attributes/server_attributes.py',
    'moved',
  ],
  [
    'SERVICE_INSTANCE_ID',
    'service.instance.id',
    'opentelemetry/semconv/attributes/service_attributes.py',
    '',
  ],
  ['SERVICE_NAME', 'service.name', 'opentelemetry/semconv/attributes/service_attributes.py', ''],
  [
    'SERVICE_INSTANCE_ID',
    'service.instance.id',
    'opentelemetry/semconv/_incubating/attributes/service_attributes.py',
    'moved',
  ],
  [
    'TELEMETRY_DISTRO_NAME',
    'telemetry.distro.name',
    'opentelemetry/semconv/attributes/telemetry_attributes.py',
    '',
  ],
  [
    'TELEMETRY_DISTRO_VERSION',
    'telemetry.distro.version',
    'opentelemetry/semconv/attributes/telemetry_attributes.py',
    '',
  ],
  ['TelemetrySdkLanguageValues.CPP', 'cpp', 'opentelemetry/semconv/attributes/telemetry_attributes.py', ''],
  [
    'TELEMETRY_DISTRO_NAME',
    'telemetry.distro.name',
    'opentelemetry/semconv/_incubating/attributes/telemetry_attributes.py',
    'moved',
  ],
  ['URL_FRAGMENT', 'url.fragment', 'opentelemetry/semconv/attributes/url_attributes.py', ''],
  ['URL_FULL', 'url.full', 'opentelemetry/semconv/attributes/url_attributes.py', ''],
  ['URL_FRAGMENT', 'url.fragment', 'opentelemetry/semconv/_incubating/attributes/url_attributes.py', 'moved'],
  [
    'USER_AGENT_ORIGINAL',
    'user_agent.original',
    'opentelemetry/semconv/attributes/user_agent_attributes.py',
    '',
  ],
  [
    'USER_AGENT_ORIGINAL',
    'user_agent.original',
    'opentelemetry/semconv/_incubating/attributes/user_agent_attributes.py',
    'moved',
  ],
  ['CONTAINER_ID', 'container.id', 'opentelemetry/semconv/attributes/container_attributes.py', ''],
  [
    'CONTAINER_IMAGE_NAME',
    'container.image.name',
    'opentelemetry/semconv/attributes/container_attributes.py',
    '',
  ],
  [
    'CONTAINER_ID',
    'container.id',
    'opentelemetry/semconv/_incubating/attributes/container_attributes.py',
    'moved',
  ],
  [
    'DEPLOYMENT_ENVIRONMENT_NAME',
    'deployment.environment.name',
    'opentelemetry/semconv/attributes/deployment_attributes.py',
    '',
  ],
  [
    'DeploymentEnvironmentNameValues.PRODUCTION',
    'production',
    'opentelemetry/semconv/attributes/deployment_attributes.py',
    '',
  ],
  [
    'DEPLOYMENT_ENVIRONMENT_NAME',
    'deployment.environment.name',
    'opentelemetry/semconv/_incubating/attributes/deployment_attributes.py',
    'moved',
  ],
  [
    'HttpRequestMethodValues.CONNECT',
    'CONNECT',
    'opentelemetry/semconv/_incubating/attributes/http_attributes.py',
    'moved',
  ],
  [
    'HttpRequestMethodValues.DELETE',
    'DELETE',
    'opentelemetry/semconv/_incubating/attributes/http_attributes.py',
    'moved',
  ],
  [
    'DbSystemNameValues.OTHER_SQL',
    'other_sql',
    'opentelemetry/semconv/_incubating/attributes/db_attributes.py',
    'moved',
  ],
  [
    'DbSystemNameValues.SOFTWAREAG_ADABAS',
    'softwareag.adabas',
    'opentelemetry/semconv/_incubating/attributes/db_attributes.py',
    'moved',
  ],
  [
    'HTTP_CONNECTION_STATE',
    'http.connection.state',
    'opentelemetry/semconv/_incubating/attributes/http_attributes.py',
    '',
  ],
  [
    'HTTP_CLIENT_IP',
    'http.client_ip',
    'opentelemetry/semconv/_incubating/attributes/http_attributes.py',
    'deprecated',
  ],
  [
    'DB_CLIENT_CONNECTION_POOL_NAME',
    'db.client.connection.pool.name',
    'opentelemetry/semconv/_incubating/attributes/db_attributes.py',
    '',
  ],
  [
    'DB_CASSANDRA_CONSISTENCY_LEVEL',
    'db.cassandra.consistency_level',
    'opentelemetry/semconv/_incubating/attributes/db_attributes.py',
    'deprecated',
  ],
  [
    'K8S_CONTAINER_EPHEMERAL_STORAGE_FS_TYPE',
    'k8s.container.ephemeral_storage.fs_type',
    'opentelemetry/semconv/_incubating/attributes/k8s_attributes.py',
    '',
  ],
  [
    'K8S_POD_LABELS_TEMPLATE',
    'k8s.pod.labels',
    'opentelemetry/semconv/_incubating/attributes/k8s_attributes.py',
    'deprecated',
  ],
  [
    'NETWORK_CARRIER_ICC',
    'network.carrier.icc',
    'opentelemetry/semconv/_incubating/attributes/network_attributes.py',
    '',
  ],
  ['URL_DOMAIN', 'url.domain', 'opentelemetry/semconv/_incubating/attributes/url_attributes.py', ''],
  [
    'OTEL_COMPONENT_NAME',
    'otel.component.name',
    'opentelemetry/semconv/_incubating/attributes/otel_attributes.py',
    '',
  ],
  [
    'OTEL_LIBRARY_NAME',
    'otel.library.name',
    'opentelemetry/semconv/_incubating/attributes/otel_attributes.py',
    'deprecated',
  ],
  [
    'CODE_COLUMN',
    'code.column',
    'opentelemetry/semconv/_incubating/attributes/code_attributes.py',
    'deprecated',
  ],
  [
    'SERVICE_CRITICALITY',
    'service.criticality',
    'opentelemetry/semconv/_incubating/attributes/service_attributes.py',
    '',
  ],
  [
    'USER_AGENT_NAME',
    'user_agent.name',
    'opentelemetry/semconv/_incubating/attributes/user_agent_attributes.py',
    '',
  ],
  [
    'AWS_BEDROCK_GUARDRAIL_ID',
    'aws.bedrock.guardrail.id',
    'opentelemetry/semconv/_incubating/attributes/aws_attributes.py',
    '',
  ],
  [
    'AWS_BEDROCK_KNOWLEDGE_BASE_ID',
    'aws.bedrock.knowledge_base.id',
    'opentelemetry/semconv/_incubating/attributes/aws_attributes.py',
    '',
  ],
  ['AwsEcsLaunchtypeValues.EC2', 'ec2', 'opentelemetry/semconv/_incubating/attributes/aws_attributes.py', ''],
  [
    'GEN_AI_AGENT_DESCRIPTION',
    'gen_ai.agent.description',
    'opentelemetry/semconv/_incubating/attributes/gen_ai_attributes.py',
    'deprecated',
  ],
  [
    'GEN_AI_AGENT_ID',
    'gen_ai.agent.id',
    'opentelemetry/semconv/_incubating/attributes/gen_ai_attributes.py',
    'deprecated',
  ],
  [
    'GenAiOpenaiRequestResponseFormatValues.TEXT',
    'text',
    'opentelemetry/semconv/_incubating/attributes/gen_ai_attributes.py',
    'deprecated',
  ],
  [
    'MESSAGING_BATCH_MESSAGE_COUNT',
    'messaging.batch.message_count',
    'opentelemetry/semconv/_incubating/attributes/messaging_attributes.py',
    '',
  ],
  [
    'MESSAGING_CLIENT_ID',
    'messaging.client.id',
    'opentelemetry/semconv/_incubating/attributes/messaging_attributes.py',
    '',
  ],
  [
    'MessagingOperationTypeValues.CREATE',
    'create',
    'opentelemetry/semconv/_incubating/attributes/messaging_attributes.py',
    '',
  ],
  [
    'RPC_CONNECT_RPC_ERROR_CODE',
    'rpc.connect_rpc.error_code',
    'opentelemetry/semconv/_incubating/attributes/rpc_attributes.py',
    'deprecated',
  ],
  [
    'RPC_CONNECT_RPC_REQUEST_METADATA_TEMPLATE',
    'rpc.connect_rpc.request.metadata',
    'opentelemetry/semconv/_incubating/attributes/rpc_attributes.py',
    'deprecated',
  ],
  [
    'RpcConnectRpcErrorCodeValues.CANCELLED',
    'cancelled',
    'opentelemetry/semconv/_incubating/attributes/rpc_attributes.py',
    'deprecated',
  ],
  [
    'CICD_PIPELINE_ACTION_NAME',
    'cicd.pipeline.action.name',
    'opentelemetry/semconv/_incubating/attributes/cicd_attributes.py',
    '',
  ],
  [
    'CICD_PIPELINE_NAME',
    'cicd.pipeline.name',
    'opentelemetry/semconv/_incubating/attributes/cicd_attributes.py',
    '',
  ],
  [
    'CicdPipelineActionNameValues.BUILD',
    'BUILD',
    'opentelemetry/semconv/_incubating/attributes/cicd_attributes.py',
    '',
  ],
  [
    'CLOUD_ACCOUNT_ID',
    'cloud.account.id',
    'opentelemetry/semconv/_incubating/attributes/cloud_attributes.py',
    '',
  ],
  [
    'CLOUD_AVAILABILITY_ZONE',
    'cloud.availability_zone',
    'opentelemetry/semconv/_incubating/attributes/cloud_attributes.py',
    '',
  ],
  [
    'CloudPlatformValues.AKAMAI_CLOUD_COMPUTE',
    'akamai_cloud.compute',
    'opentelemetry/semconv/_incubating/attributes/cloud_attributes.py',
    '',
  ],
  [
    'PROCESS_ARGS_COUNT',
    'process.args_count',
    'opentelemetry/semconv/_incubating/attributes/process_attributes.py',
    '',
  ],
  [
    'PROCESS_COMMAND',
    'process.command',
    'opentelemetry/semconv/_incubating/attributes/process_attributes.py',
    '',
  ],
  [
    'ProcessContextSwitchTypeValues.VOLUNTARY',
    'voluntary',
    'opentelemetry/semconv/_incubating/attributes/process_attributes.py',
    '',
  ],
  [
    'SYSTEM_CPU_LOGICAL_NUMBER',
    'system.cpu.logical_number',
    'opentelemetry/semconv/_incubating/attributes/system_attributes.py',
    'deprecated',
  ],
  [
    'SYSTEM_CPU_STATE',
    'system.cpu.state',
    'opentelemetry/semconv/_incubating/attributes/system_attributes.py',
    'deprecated',
  ],
  [
    'SystemCpuStateValues.USER',
    'user',
    'opentelemetry/semconv/_incubating/attributes/system_attributes.py',
    'deprecated',
  ],
  ['VCS_CHANGE_ID', 'vcs.change.id', 'opentelemetry/semconv/_incubating/attributes/vcs_attributes.py', ''],
  [
    'VCS_CHANGE_STATE',
    'vcs.change.state',
    'opentelemetry/semconv/_incubating/attributes/vcs_attributes.py',
    '',
  ],
  ['VcsChangeStateValues.OPEN', 'open', 'opentelemetry/semconv/_incubating/attributes/vcs_attributes.py', ''],
  [
    'FEATURE_FLAG_CONTEXT_ID',
    'feature_flag.context.id',
    'opentelemetry/semconv/_incubating/attributes/feature_flag_attributes.py',
    '',
  ],
  [
    'FEATURE_FLAG_ERROR_MESSAGE',
    'feature_flag.error.message',
    'opentelemetry/semconv/_incubating/attributes/feature_flag_attributes.py',
    '',
  ],
  [
    'FeatureFlagEvaluationReasonValues.STATIC',
    'static',
    'opentelemetry/semconv/_incubating/attributes/feature_flag_attributes.py',
    'deprecated',
  ],
  [
    'HW_BATTERY_CAPACITY',
    'hw.battery.capacity',
    'opentelemetry/semconv/_incubating/attributes/hw_attributes.py',
    '',
  ],
  [
    'HW_BATTERY_CHEMISTRY',
    'hw.battery.chemistry',
    'opentelemetry/semconv/_incubating/attributes/hw_attributes.py',
    '',
  ],
  [
    'HwBatteryStateValues.CHARGING',
    'charging',
    'opentelemetry/semconv/_incubating/attributes/hw_attributes.py',
    '',
  ],
  [
    'MCP_METHOD_NAME',
    'mcp.method.name',
    'opentelemetry/semconv/_incubating/attributes/mcp_attributes.py',
    'deprecated',
  ],
  [
    'MCP_PROTOCOL_VERSION',
    'mcp.protocol.version',
    'opentelemetry/semconv/_incubating/attributes/mcp_attributes.py',
    'deprecated',
  ],
  [
    'McpMethodNameValues.NOTIFICATIONS_CANCELLED',
    'notifications/cancelled',
    'opentelemetry/semconv/_incubating/attributes/mcp_attributes.py',
    'deprecated',
  ],
  [
    'CPYTHON_GC_GENERATION',
    'cpython.gc.generation',
    'opentelemetry/semconv/_incubating/attributes/cpython_attributes.py',
    '',
  ],
  [
    'CPythonGCGenerationValues.GENERATION_0',
    0,
    'opentelemetry/semconv/_incubating/attributes/cpython_attributes.py',
    '',
  ],
  ['FAAS_COLDSTART', 'faas.coldstart', 'opentelemetry/semconv/_incubating/attributes/faas_attributes.py', ''],
  ['FAAS_CRON', 'faas.cron', 'opentelemetry/semconv/_incubating/attributes/faas_attributes.py', ''],
  [
    'FaasDocumentOperationValues.INSERT',
    'insert',
    'opentelemetry/semconv/_incubating/attributes/faas_attributes.py',
    '',
  ],
  [
    'ARTIFACT_ATTESTATION_FILENAME',
    'artifact.attestation.filename',
    'opentelemetry/semconv/_incubating/attributes/artifact_attributes.py',
    '',
  ],
  [
    'ARTIFACT_ATTESTATION_HASH',
    'artifact.attestation.hash',
    'opentelemetry/semconv/_incubating/attributes/artifact_attributes.py',
    '',
  ],
  [
    'ORACLE_CLOUD_REALM',
    'oracle_cloud.realm',
    'opentelemetry/semconv/_incubating/attributes/oracle_cloud_attributes.py',
    '',
  ],
  ['USER_EMAIL', 'user.email', 'opentelemetry/semconv/_incubating/attributes/user_attributes.py', ''],
  ['USER_FULL_NAME', 'user.full_name', 'opentelemetry/semconv/_incubating/attributes/user_attributes.py', ''],
  ['THREAD_ID', 'thread.id', 'opentelemetry/semconv/_incubating/attributes/thread_attributes.py', ''],
  ['THREAD_NAME', 'thread.name', 'opentelemetry/semconv/_incubating/attributes/thread_attributes.py', ''],
  ['TLS_CIPHER', 'tls.cipher', 'opentelemetry/semconv/_incubating/attributes/tls_attributes.py', ''],
  [
    'TLS_CLIENT_CERTIFICATE',
    'tls.client.certificate',
    'opentelemetry/semconv/_incubating/attributes/tls_attributes.py',
    '',
  ],
  ['TlsProtocolNameValues.SSL', 'ssl', 'opentelemetry/semconv/_incubating/attributes/tls_attributes.py', ''],
  ['STATE', 'state', 'opentelemetry/semconv/_incubating/attributes/other_attributes.py', 'deprecated'],
  [
    'StateValues.IDLE',
    'idle',
    'opentelemetry/semconv/_incubating/attributes/other_attributes.py',
    'deprecated',
  ],
  [
    'HTTP_CLIENT_REQUEST_DURATION',
    'http.client.request.duration',
    'opentelemetry/semconv/metrics/http_metrics.py',
    '',
  ],
  [
    'HTTP_SERVER_REQUEST_DURATION',
    'http.server.request.duration',
    'opentelemetry/semconv/metrics/http_metrics.py',
    '',
  ],
  [
    'HTTP_CLIENT_REQUEST_DURATION',
    'http.client.request.duration',
    'opentelemetry/semconv/_incubating/metrics/http_metrics.py',
    'moved',
  ],
  [
    'DB_CLIENT_OPERATION_DURATION',
    'db.client.operation.duration',
    'opentelemetry/semconv/metrics/db_metrics.py',
    '',
  ],
  [
    'DB_CLIENT_OPERATION_DURATION',
    'db.client.operation.duration',
    'opentelemetry/semconv/_incubating/metrics/db_metrics.py',
    'moved',
  ],
  [
    'HTTP_CLIENT_ACTIVE_REQUESTS',
    'http.client.active_requests',
    'opentelemetry/semconv/_incubating/metrics/http_metrics.py',
    '',
  ],
  [
    'create_http_client_active_requests',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/http_metrics.py',
    '',
  ],
  [
    'create_http_client_connection_duration',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/http_metrics.py',
    '',
  ],
  [
    'DB_CLIENT_CONNECTION_COUNT',
    'db.client.connection.count',
    'opentelemetry/semconv/_incubating/metrics/db_metrics.py',
    '',
  ],
  [
    'create_db_client_connection_count',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/db_metrics.py',
    '',
  ],
  [
    'create_db_client_connection_create_time',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/db_metrics.py',
    '',
  ],
  [
    'SYSTEM_CPU_FREQUENCY',
    'system.cpu.frequency',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_cpu_frequency',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_cpu_logical_count',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'K8S_CONTAINER_CPU_LIMIT_CURRENT',
    'k8s.container.cpu.limit.current',
    'opentelemetry/semconv/_incubating/metrics/k8s_metrics.py',
    '',
  ],
  [
    'create_k8s_container_cpu_limit',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/k8s_metrics.py',
    '',
  ],
  [
    'create_k8s_container_cpu_limit_current',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/k8s_metrics.py',
    '',
  ],
  [
    'create_gen_ai_client_operation_duration',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/gen_ai_metrics.py',
    '',
  ],
  [
    'create_gen_ai_client_operation_time_per_output_chunk',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/gen_ai_metrics.py',
    '',
  ],
  [
    'PROCESS_CONTEXT_SWITCHES',
    'process.context_switches',
    'opentelemetry/semconv/_incubating/metrics/process_metrics.py',
    '',
  ],
  [
    'create_process_context_switches',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/process_metrics.py',
    '',
  ],
  ['create_process_cpu_time', 'Counter', 'opentelemetry/semconv/_incubating/metrics/process_metrics.py', ''],
  [
    'CPYTHON_GC_COLLECTED_OBJECTS',
    'cpython.gc.collected_objects',
    'opentelemetry/semconv/_incubating/metrics/cpython_metrics.py',
    '',
  ],
  [
    'create_cpython_gc_collected_objects',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/cpython_metrics.py',
    '',
  ],
  [
    'create_cpython_gc_collections',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/cpython_metrics.py',
    '',
  ],
  [
    'CONTAINER_CPU_TIME',
    'container.cpu.time',
    'opentelemetry/semconv/_incubating/metrics/container_metrics.py',
    '',
  ],
  [
    'create_container_cpu_time',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/container_metrics.py',
    '',
  ],
  [
    'create_container_cpu_usage',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/container_metrics.py',
    '',
  ],
  ['HW_BATTERY_CHARGE', 'hw.battery.charge', 'opentelemetry/semconv/_incubating/metrics/hw_metrics.py', ''],
  [
    'create_hw_battery_charge',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/hw_metrics.py',
    '',
  ],
  [
    'create_hw_battery_charge_limit',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/hw_metrics.py',
    '',
  ],
  [
    'OTEL_SDK_EXPORTER_LOG_EXPORTED',
    'otel.sdk.exporter.log.exported',
    'opentelemetry/semconv/_incubating/metrics/otel_metrics.py',
    '',
  ],
  [
    'create_otel_sdk_exporter_log_exported',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/otel_metrics.py',
    '',
  ],
  [
    'create_otel_sdk_exporter_log_inflight',
    'UpDownCounter',
    'opentelemetry/semconv/_incubating/metrics/otel_metrics.py',
    '',
  ],
  [
    'RPC_CLIENT_CALL_DURATION',
    'rpc.client.call.duration',
    'opentelemetry/semconv/_incubating/metrics/rpc_metrics.py',
    '',
  ],
  [
    'create_rpc_client_call_duration',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/rpc_metrics.py',
    '',
  ],
  ['create_rpc_client_duration', 'Histogram', 'opentelemetry/semconv/_incubating/metrics/rpc_metrics.py', ''],
  [
    'MESSAGING_CLIENT_CONSUMED_MESSAGES',
    'messaging.client.consumed.messages',
    'opentelemetry/semconv/_incubating/metrics/messaging_metrics.py',
    '',
  ],
  [
    'create_messaging_client_consumed_messages',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/messaging_metrics.py',
    '',
  ],
  [
    'create_messaging_client_operation_duration',
    'Histogram',
    'opentelemetry/semconv/_incubating/metrics/messaging_metrics.py',
    '',
  ],
  [
    'DB_CLIENT_CONNECTIONS_CREATE_TIME',
    'db.client.connections.create_time',
    'opentelemetry/semconv/_incubating/metrics/db_metrics.py',
    'deprecated',
  ],
  [
    'create_system_cpu_utilization',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_filesystem_utilization',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_memory_linux_hugepages_utilization',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_memory_utilization',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_paging_utilization',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  [
    'create_system_uptime',
    'ObservableGauge',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
  ['create_system_cpu_time', 'Counter', 'opentelemetry/semconv/_incubating/metrics/system_metrics.py', ''],
  ['create_system_disk_io', 'Counter', 'opentelemetry/semconv/_incubating/metrics/system_metrics.py', ''],
  [
    'create_system_disk_io_time',
    'Counter',
    'opentelemetry/semconv/_incubating/metrics/system_metrics.py',
    '',
  ],
];

const ROOT = 'opentelemetry/semconv/';
const REAL = semconvRegistry();
const PY = tools('python');
/** this machine's python3 imports the OpenTelemetry API (opentelemetry-api) by itself */
const API_INSTALLED = !PY.skip && spawnSync('python3', ['-c', 'import opentelemetry.metrics']).status === 0;
const API_REASON = /^not validated: opentelemetry \(python\) not found \(pip package: opentelemetry-api\)/;

let pack: Pack;
beforeAll(async () => {
  pack = await findPack('python');
});

async function generate(registry: string, params: Record<string, string> = {}) {
  const model = toTemplateRegistry((await loadRegistry(registry, { check: false })).registry);
  return { model, gen: await generateWithPack(pack, model, params) };
}

const qualified = (s: ExtractedSymbol) => (s.container ? `${s.container}.${s.name}` : s.name);
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const RELOCATED = 'Deprecated in favor of stable :py:const:`opentelemetry.semconv.';

/** How our output declares one official fact: '' when it does, else what differs. */
function check(fact: Fact, files: Map<string, string>, syms: ExtractedSymbol[]): string {
  const [name, value, module, mark] = fact;
  const path = module.slice(ROOT.length);
  const content = files.get(path);
  if (content === undefined) return `no module ${module}`;
  if (name.startsWith('create_')) {
    const def = new RegExp(
      `^def ${reEscape(name)}\\(meter: Meter(?:, callbacks: [^)]*)?\\) -> ${reEscape(String(value))}:`,
      'm',
    );
    return def.test(content) ? '' : `no def ${name}(meter) -> ${value} in ${module}`;
  }
  const s = syms.find((x) => x.file === path && qualified(x) === name);
  if (!s) {
    const elsewhere = syms.find((x) => qualified(x) === name && x.value === value);
    return `${name} not in ${module}${elsewhere ? ` (it is in ${ROOT}${elsewhere.file})` : ''}`;
  }
  if (s.value !== value)
    return `${name} = ${JSON.stringify(s.value)} in ${module}, expected ${JSON.stringify(value)}`;
  const [cls] = name.includes('.') ? name.split('.') : [''];
  const classMoved =
    cls !== '' &&
    new RegExp(
      `@deprecated\\(\\s*"${reEscape(RELOCATED)}[^"]*\\.${reEscape(cls)}\`\\."\\s*\\)\\s*class ${reEscape(cls)}\\(`,
    ).test(content);
  const ours: Mark = s.doc.includes(RELOCATED) || classMoved ? 'moved' : s.deprecated ? 'deprecated' : '';
  return ours === mark ? '' : `${name} in ${module} is marked '${ours}', officially '${mark}'`;
}

const NOTE = skipNote(!REAL && SEMCONV_MISSING);
describe.skipIf(!REAL)(`python-semconv default output vs the official package (v1.44.0)${NOTE}`, () => {
  it('declares the official names with their values in the official modules, marked as they are', async () => {
    const { gen } = await generate(REAL as string);
    const files = new Map(gen.files.map((f: GeneratedFile) => [f.path, f.content]));
    const syms = pythonSymbols.extract(gen.files);
    expect(OFFICIAL.length).toBeGreaterThanOrEqual(150);
    const wrong = OFFICIAL.map((f) => check(f, files, syms)).filter((w) => w !== '');
    console.log(`official items in the right module: ${OFFICIAL.length - wrong.length}/${OFFICIAL.length}`);
    expect(wrong).toEqual([]);
    // and no further: an item that is only incubating (unmarked there) is in no stable module
    const leaked = OFFICIAL.filter(([, , m, mark]) => m.startsWith(`${ROOT}_incubating/`) && mark === '')
      .map(([name, , m]) => [name, m.replace('_incubating/', '').slice(ROOT.length)])
      .filter(([name, path]) => syms.some((x) => x.file === path && qualified(x) === name));
    expect(leaked).toEqual([]);
  });

  it('with the plain metrics variant, metric constants stay and nothing imports the OpenTelemetry API', async () => {
    const { gen } = await generate(REAL as string, { metrics: 'constants' });
    const files = new Map(gen.files.map((f: GeneratedFile) => [f.path, f.content]));
    const syms = pythonSymbols.extract(gen.files);
    for (const f of OFFICIAL.filter(([n]) => !n.startsWith('create_')))
      expect(check(f, files, syms), f[0]).toBe('');
    for (const f of gen.files) {
      expect(f.content, f.path).not.toMatch(/opentelemetry\.metrics|^def create_/m);
    }
  });
});

/** An `opentelemetry.metrics` stand-in holding the names the factories import (see python.test.ts). */
async function apiStandIn(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-py-api-'));
  await mkdir(join(dir, 'opentelemetry', 'metrics'), { recursive: true });
  await writeFile(join(dir, 'opentelemetry', '__init__.py'), '');
  await writeFile(
    join(dir, 'opentelemetry', 'metrics', '__init__.py'),
    ['Meter', 'Counter', 'UpDownCounter', 'Histogram', 'ObservableGauge', 'CallbackOptions', 'Observation']
      .map((c) => `class ${c}: ...\n`)
      .join(''),
  );
  return dir;
}

describe.skipIf(PY.skip)(`python-semconv default output on the project's own registry${PY.note}`, () => {
  it('puts stable items in the stable modules and every item in _incubating, the stable ones marked moved', async () => {
    const { model, gen } = await generate(SHOP_REGISTRY);
    const syms = pythonSymbols.extract(gen.files);
    const where = (value: string, name: string) =>
      syms.filter((s) => s.value === value && qualified(s) === name && s.container === '').map((s) => s.file);
    const stable = model.attributes.filter((a) => a.is_stable);
    expect(stable.length).toBeGreaterThan(0);
    expect(model.attributes.some((a) => !a.is_stable)).toBe(true);
    for (const a of model.attributes) {
      const ns = a.root_namespace;
      const name = `${a.key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}${a.is_template ? '_TEMPLATE' : ''}`;
      const expected = [
        ...(a.is_stable ? [`attributes/${ns}_attributes.py`] : []),
        `_incubating/attributes/${ns}_attributes.py`,
      ];
      expect(where(a.key, name).sort(), a.key).toEqual(expected.sort());
      const copy = syms.find(
        (s) => s.file === `_incubating/attributes/${ns}_attributes.py` && s.name === name,
      );
      if (a.is_stable && !a.is_deprecated)
        expect(copy?.doc, a.key).toBe(`${RELOCATED}attributes.${ns}_attributes.${name}\`.`);
      else expect(copy?.doc ?? '', a.key).not.toContain(RELOCATED);
    }
    for (const m of model.metrics) {
      const name = m.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
      const ns = m.root_namespace;
      expect(where(m.name, name).sort(), m.name).toEqual(
        [...(m.is_stable ? [`metrics/${ns}_metrics.py`] : []), `_incubating/metrics/${ns}_metrics.py`].sort(),
      );
      const incubating =
        gen.files.find((f) => f.path === `_incubating/metrics/${ns}_metrics.py`)?.content ?? '';
      expect(incubating, m.name).toContain(`def create_${name.toLowerCase()}(meter: Meter`);
    }
  });

  it('compiles; imports where the OpenTelemetry API is, and is not validated where it is not', async () => {
    const { gen } = await generate(SHOP_REGISTRY);
    expect(gen.files.some((f) => f.content.includes('from opentelemetry.metrics import'))).toBe(true);
    const r = await createPythonToolchain().validate(gen.files);
    expect(r.diagnostics).toEqual([]);
    if (API_INSTALLED) expect(r.status).toBe('passed');
    else {
      expect(r.status).toBe('not_validated');
      expect(r.reason).toMatch(API_REASON);
    }
    const standIn = await createPythonToolchain({ pythonPath: [await apiStandIn()] }).validate(gen.files);
    expect(standIn.diagnostics).toEqual([]);
    expect(standIn.status).toBe('passed');
    const plain = await generate(SHOP_REGISTRY, { metrics: 'constants' });
    const p = await createPythonToolchain().validate(plain.gen.files);
    expect(p.diagnostics).toEqual([]);
    expect(p.status).toBe('passed');
  });

  it.skipIf(!API_INSTALLED)('every create_* factory returns its instrument from the real API', async () => {
    const { gen } = await generate(REAL ?? SHOP_REGISTRY);
    const dir = await mkdtemp(join(tmpdir(), 'wg-py-factories-'));
    for (const f of gen.files) {
      await mkdir(join(dir, 'pkg', f.path, '..'), { recursive: true });
      await writeFile(join(dir, 'pkg', f.path), f.content);
    }
    const script = [
      'import importlib, inspect, os, sys',
      'from opentelemetry import metrics',
      'meter = metrics.get_meter("weavergen-test")',
      'n = 0',
      'for f in sorted(os.listdir("pkg/_incubating/metrics")):',
      '    if not f.endswith("_metrics.py"): continue',
      '    mod = importlib.import_module("pkg._incubating.metrics." + f[:-3])',
      '    for name, fn in inspect.getmembers(mod, inspect.isfunction):',
      '        if not name.startswith("create_"): continue',
      '        args = [meter] + ([None] if "callbacks" in inspect.signature(fn).parameters else [])',
      '        inst = fn(*args)',
      '        want = getattr(metrics, inspect.signature(fn).return_annotation.__name__)',
      '        assert isinstance(inst, want), (name, inst, want)',
      '        n += 1',
      'print(n)',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(Number(run.stdout.trim())).toBeGreaterThan(10);
  });
});
