// The JSON Schema (draft 2020-12) of a scenario document, for editors that
// complete and check JSON as it is typed (`"$schema":
// "./node_modules/edgeloop/scenario.schema.json"`). Built from the
// validator's own tables (SCENARIO_TABLES, FAULT_FIELDS, the option lists):
// every key the validator takes needs a schema here, or the build throws, so
// the two cannot drift apart. The schema checks shapes, names and bounds;
// what needs the whole document (a peer named by an action exists, labels
// are unique, a momentLink's words occur in the explanation) stays the
// validator's, which is the authority (`edgeloop replay` reports both).
import { FAMILIES, HIGH_WATER_MARK_MAX, HIGH_WATER_MARK_MIN, HIGH_WATER_POLICIES, MAX_CONNECTIONS_MAX, MEMORY_BUDGET_MAX, SOCKET_BUFFER_MAX, SOCKET_BUFFER_MIN, TRIGGERS, VARIANT_NAMES } from '../reactor-options.js';
import { ACCEPT_FAULT_ERRNOS, FAULT_FIELDS, FAULT_LIMITS, FAULT_NAMES, SPURIOUS_EVENTS } from './faults.js';
import { JS_APP_NAMES } from './js-apps.js';
import { ACTION_NAMES, EPOLL_FLAG_NAMES, INVARIANT_NAMES, MOMENT_NAMES, SCENARIO_LIMITS, SCENARIO_TABLES, SCENARIO_VERSION } from './scenario-schema.js';

type Schema = Record<string, unknown>;

const L = SCENARIO_LIMITS;
const int = (minimum: number, maximum: number): Schema => ({ type: 'integer', minimum, maximum });
const str = (maxLength: number): Schema => ({ type: 'string', maxLength });
const bool: Schema = { type: 'boolean' };
const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const strings = (list: readonly string[]): Schema => ({ type: 'array', items: { enum: [...list] } });

/** An object of exactly `keys` (each must have a schema in `props`), `required` among them. */
function object(what: string, keys: readonly string[], props: Record<string, Schema>, required: readonly string[] = []): Schema {
  const properties: Record<string, Schema> = {};
  for (const key of keys) {
    const p = props[key];
    if (!p) throw new Error(`scenario JSON Schema: ${what}.${key} is taken by the validator but has no schema`);
    properties[key] = p;
  }
  for (const key of Object.keys(props)) {
    if (!keys.includes(key)) throw new Error(`scenario JSON Schema: ${what}.${key} has a schema but the validator does not take it`);
  }
  return { type: 'object', properties, required: [...required], additionalProperties: false };
}

const RANGE: Schema = {
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'object', properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } }, additionalProperties: false },
  ],
};
const ERRNO: Schema = { type: 'string', pattern: '^E[A-Z0-9]+$' };

// Every field any object of the document may have, by name; each object
// below takes the ones the validator's table lists for it.
const FIELDS: Record<string, Schema> = {
  peer: { type: 'string', minLength: 1, maxLength: 64 },
  bytes: int(0, L.maxBytes),
  data: str(L.maxWriteText),
  maxSteps: int(1, L.maxActionSteps),
  steps: int(1, L.maxActionSteps),
  max: int(1, L.maxBytes),
  how: { enum: [...SCENARIO_TABLES.shutdownHows] },
  count: int(1, L.maxActionSteps),
  until: { oneOf: [{ const: 'idle' }, ref('stateCheck')] },
  mustReach: bool,
  ms: int(0, L.maxAdvanceMs),
  reason: str(200),
  do: { enum: [...ACTION_NAMES] },
  label: str(64),
  note: str(L.maxNote),
};

const CHECK_FIELDS: Record<string, Schema> = {
  peer: FIELDS.peer as Schema,
  receivedBytes: RANGE,
  writtenBytes: RANGE,
  receivedAllWritten: bool,
  inOrder: bool,
  text: str(L.maxWriteText),
  eof: bool,
  error: { oneOf: [ERRNO, { type: 'null' }] },
  lastWriteErr: { oneOf: [ERRNO, { type: 'null' }] },
  accepted: { oneOf: [bool, RANGE] },
  dropped: { oneOf: [bool, RANGE] },
  refused: { oneOf: [bool, RANGE] },
  state: { enum: [...SCENARIO_TABLES.states] },
  closed: bool,
  closeReason: { oneOf: [{ type: 'string' }, { type: 'null' }] },
  peerHalfClosed: bool,
  reading: bool,
  writing: bool,
  sendBuf: RANGE,
  maxSendBuf: RANGE,
  readBuf: RANGE,
  kernelSendQueue: RANGE,
  peerReceiveQueue: RANGE,
  interest: { type: 'string' },
  interestHas: strings(EPOLL_FLAG_NAMES),
  interestLacks: strings(EPOLL_FLAG_NAMES),
  registered: bool,
  open: RANGE,
  accepting: bool,
  interestCount: RANGE,
  readyCount: RANGE,
  match: ref('traceMatch'),
  count: RANGE,
  sumRet: RANGE,
  first: ref('traceMatch'),
  then: ref('traceMatch'),
  description: str(L.maxNote),
  at: ref('actionRef'),
  during: ref('actionRef'),
};

const MATCH_FIELDS: Record<string, Schema> = {
  actor: { type: 'string' },
  call: { type: 'string' },
  conn: { type: 'string' },
  listener: bool,
  op: { enum: [...SCENARIO_TABLES.epollOps] },
  eventsHas: strings(EPOLL_FLAG_NAMES),
  eventsLacks: strings(EPOLL_FLAG_NAMES),
  wakeup: bool,
  err: { oneOf: [ERRNO, { const: 'any' }, { type: 'null' }] },
  ret: RANGE,
  args: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
};

const FAULT_FIELD_SCHEMAS: Record<string, Schema> = {
  fault: { enum: [...FAULT_NAMES] },
  at: ref('actionRef'),
  note: str(L.maxNote),
  peer: FIELDS.peer as Schema,
  count: int(1, FAULT_LIMITS.maxCount),
  errno: { enum: [...ACCEPT_FAULT_ERRNOS] },
  maxBytes: int(1, FAULT_LIMITS.maxShortWrite),
  events: { enum: [...SPURIOUS_EVENTS] },
  limit: int(FAULT_LIMITS.minNofile, FAULT_LIMITS.maxNofile),
  ms: int(FAULT_LIMITS.delayedAckMinMs, FAULT_LIMITS.delayedAckMaxMs),
};

function pick(props: Record<string, Schema>, keys: readonly string[]): Record<string, Schema> {
  return Object.fromEntries(keys.map((k) => [k, props[k] as Schema]).filter(([, v]) => v !== undefined));
}

function checkSchema(name: (typeof SCENARIO_TABLES.checkNames)[number], expectation: boolean): Schema {
  const keys = ['check', ...SCENARIO_TABLES.checkKeys[name], ...(expectation ? SCENARIO_TABLES.expectationKeys : [])];
  const required = name === 'peer' || name === 'connection' ? ['check', 'peer'] : name === 'trace' ? ['check', 'match'] : name === 'order' ? ['check', 'first', 'then'] : ['check'];
  return object(`${name} check`, keys, { check: { const: name }, ...pick(CHECK_FIELDS, keys) }, required);
}

/** The schema, as a plain JSON value. */
export function scenarioJsonSchema(): Schema {
  const actions = ACTION_NAMES.map((name) => {
    const spec = SCENARIO_TABLES.actionFields[name];
    const keys = [...SCENARIO_TABLES.actionKeys, ...spec.required, ...spec.optional];
    return object(`action ${name}`, keys, { ...pick(FIELDS, keys), do: { const: name } }, ['do', ...spec.required]);
  });
  const faults = FAULT_NAMES.map((name) => {
    const spec = FAULT_FIELDS[name];
    const keys = ['fault', 'at', 'note', ...(spec.target ? ['peer'] : []), ...spec.required, ...spec.optional];
    return object(`fault ${name}`, keys, { ...pick(FAULT_FIELD_SCHEMAS, keys), fault: { const: name } }, ['fault', 'at', ...(spec.target ? ['peer'] : []), ...spec.required]);
  });
  const options = object(
    'options',
    SCENARIO_TABLES.optionKeys,
    {
      family: { enum: [...FAMILIES] },
      variant: { enum: [...VARIANT_NAMES] },
      app: {
        oneOf: [
          { enum: ['echo', 'discard'] },
          { type: 'object', properties: { bulk: int(0, L.maxBytes) }, required: ['bulk'], additionalProperties: false },
          { type: 'object', properties: { js: { enum: [...JS_APP_NAMES, 'custom'] } }, required: ['js'], additionalProperties: false },
        ],
      },
      sndbuf: int(SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
      rcvbuf: int(SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
      highWaterMark: int(HIGH_WATER_MARK_MIN, HIGH_WATER_MARK_MAX),
      highWaterPolicy: { enum: [...HIGH_WATER_POLICIES] },
      trigger: { enum: [...TRIGGERS] },
      maxConnections: int(1, MAX_CONNECTIONS_MAX),
      memoryBudget: int(0, MEMORY_BUDGET_MAX),
      seed: int(0, 0xffffffff),
      peerReadRate: int(1, L.maxBytes),
    },
    ['family', 'app'],
  );
  const peer = object(
    'peer',
    SCENARIO_TABLES.peerKeys,
    {
      name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,31}$', not: { enum: [...SCENARIO_TABLES.reservedNames] } },
      count: int(1, L.maxPeers),
      sndbuf: int(SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
      rcvbuf: int(SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
      readPerStep: int(1, L.maxBytes),
      reading: bool,
    },
    ['name'],
  );
  const doc = object(
    'document',
    SCENARIO_TABLES.docKeys,
    {
      $schema: { type: 'string' },
      version: { const: SCENARIO_VERSION },
      name: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 },
      title: str(L.maxTitle),
      explanation: str(L.maxExplanation),
      options: ref('options'),
      peers: { type: 'array', items: ref('peer'), maxItems: L.maxPeers },
      steps: { type: 'array', items: ref('action'), maxItems: L.maxActions },
      expect: { type: 'array', items: ref('expectation'), maxItems: L.maxExpectations },
      contrast: {
        type: 'object',
        properties: { variant: { enum: [...VARIANT_NAMES] }, explanation: str(L.maxExplanation) },
        required: ['variant', 'explanation'],
        additionalProperties: false,
      },
      momentLinks: {
        type: 'array',
        maxItems: L.maxMomentLinks,
        items: {
          type: 'object',
          properties: { text: str(L.maxMomentLinkText), moment: { enum: [...MOMENT_NAMES] } },
          required: ['text', 'moment'],
          additionalProperties: false,
        },
      },
      limits: {
        type: 'object',
        properties: {
          maxSteps: int(1, L.maxTotalSteps),
          maxEvents: int(1, L.maxEventsCeiling),
          maxPeerBytes: int(1, L.maxPeerBytesCeiling),
        },
        additionalProperties: false,
      },
      faults: { type: 'array', items: ref('fault'), maxItems: L.maxFaults },
      invariants: { type: 'array', items: { enum: [...INVARIANT_NAMES] }, uniqueItems: true },
    },
    ['version', 'name', 'options', 'peers', 'steps', 'expect'],
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://edgeloop.dev/scenario.schema.json',
    title: 'edgeloop scenario document',
    description: 'A scripted run of the reactor against peers, with expectations (docs/scenarios.md). Generated from the validator; the validator (edgeloop replay) is the authority.',
    ...doc,
    $defs: {
      options,
      peer,
      action: { oneOf: actions },
      actionRef: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] },
      stateCheck: { oneOf: (['peer', 'connection', 'server'] as const).map((n) => checkSchema(n, false)) },
      expectation: { oneOf: SCENARIO_TABLES.checkNames.map((n) => checkSchema(n, true)) },
      traceMatch: object('trace match', SCENARIO_TABLES.matchKeys, MATCH_FIELDS),
      fault: { oneOf: faults },
    },
  };
}
