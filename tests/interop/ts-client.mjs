// The official TypeScript SDK client against a Switchboard endpoint.
//
//   node ts-client.mjs --url http://127.0.0.1:PORT/mcp --key sbk_... --prefix everything__ --mode session|stateless
//
// On the aggregated /mcp every tool and prompt is namespaced ({server}__{name}), so the conformance suite, which
// looks tools up by their plain names, cannot run its tool and prompt scenarios there. This script repeats those
// scenarios' checks with the prefix applied; on /servers/{name}/mcp it runs with an empty prefix.
// `session` expects an Mcp-Session-Id and the server-to-client paths (sampling, elicitation, logging, progress);
// `stateless` expects no session and a clear tool error where a tool needs the client.
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    prefix: { type: 'string', default: '' },
    mode: { type: 'string', default: 'session' },
    key: { type: 'string' },
  },
});
const name = (plain) => `${args.prefix}${plain}`;
const session = args.mode === 'session';

const client = new Client({ name: 'switchboard-interop', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
const samplingPrompts = [];
client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
  samplingPrompts.push(request.params.messages[0].content.text);
  return { role: 'assistant', content: { type: 'text', text: 'from the TypeScript client' }, model: 'fake', stopReason: 'endTurn' };
});
client.setRequestHandler(ElicitRequestSchema, async (request) => ({
  action: 'accept',
  content: Object.fromEntries(Object.keys(request.params.requestedSchema.properties).map((key) => [key, `value-of-${key}`])),
}));
const logs = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => logs.push(notification.params.data));

const transport = new StreamableHTTPClientTransport(new URL(args.url), {
  requestInit: { headers: { Authorization: `Bearer ${args.key}` } },
});
await client.connect(transport);

const results = [];
async function check(title, body) {
  try {
    await body();
    results.push(`ok - ${title}`);
  } catch (error) {
    results.push(`not ok - ${title}: ${error?.stack ?? error}`);
  }
}

const text = (result) => {
  assert.notEqual(result.isError, true, JSON.stringify(result));
  return result.content[0].text;
};

await check('session mode as expected', async () => {
  if (session) assert.ok(transport.sessionId, 'expected an Mcp-Session-Id');
  else assert.equal(transport.sessionId, undefined);
});

await check('tools/list: every name is portable, and namespaced on /mcp', async () => {
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === name('test_simple_text')));
  for (const tool of tools) {
    assert.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/);
    if (args.prefix) assert.match(tool.name, /^[a-z0-9-]+__./, `${tool.name} is not namespaced`);
    assert.equal(typeof tool.description, 'string');
    assert.equal(tool.inputSchema.type, 'object');
  }
});

await check('json-schema-2020-12 keywords survive the listing', async () => {
  const { tools } = await client.listTools();
  const schema = tools.find((t) => t.name === name('json_schema_2020_12_tool')).inputSchema;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.ok(schema.$defs.address);
  assert.equal(schema.additionalProperties, false);
});

await check('tools/call: text', async () => {
  assert.equal(text(await client.callTool({ name: name('test_simple_text'), arguments: {} })), 'This is a simple text response for testing.');
});

await check('tools/call: image, audio, embedded resource, mixed content', async () => {
  const image = await client.callTool({ name: name('test_image_content'), arguments: {} });
  assert.equal(image.content[0].type, 'image');
  assert.equal(image.content[0].mimeType, 'image/png');
  const audio = await client.callTool({ name: name('test_audio_content'), arguments: {} });
  assert.equal(audio.content[0].type, 'audio');
  const embedded = await client.callTool({ name: name('test_embedded_resource'), arguments: {} });
  assert.equal(embedded.content[0].resource.uri, 'test://embedded-resource');
  const mixed = await client.callTool({ name: name('test_multiple_content_types'), arguments: {} });
  assert.deepEqual(mixed.content.map((c) => c.type), ['text', 'image', 'resource']);
});

await check('tools/call: a tool error comes back as isError', async () => {
  const result = await client.callTool({ name: name('test_error_handling'), arguments: {} });
  assert.equal(result.isError, true);
  assert.equal(result.content[0].text, 'This tool intentionally returns an error for testing');
});

await check('tools/call: an unknown tool is an error', async () => {
  await assert.rejects(client.callTool({ name: name('no_such_tool'), arguments: {} }), /no_such_tool/);
});

await check('prompts/get: simple, with arguments, embedded resource, image', async () => {
  const simple = await client.getPrompt({ name: name('test_simple_prompt') });
  assert.equal(simple.messages[0].content.text, 'This is a simple prompt for testing.');
  const withArgs = await client.getPrompt({ name: name('test_prompt_with_arguments'), arguments: { arg1: 'hello', arg2: 'world' } });
  assert.equal(withArgs.messages[0].content.text, "Prompt with arguments: arg1='hello', arg2='world'");
  const embedded = await client.getPrompt({ name: name('test_prompt_with_embedded_resource'), arguments: { resourceUri: 'test://example-resource' } });
  assert.equal(embedded.messages[0].content.resource.uri, 'test://example-resource');
  const image = await client.getPrompt({ name: name('test_prompt_with_image') });
  assert.equal(image.messages[0].content.type, 'image');
});

await check('completion/complete routes to the owning server', async () => {
  const result = await client.complete({ ref: { type: 'ref/prompt', name: name('test_prompt_with_arguments') }, argument: { name: 'arg1', value: 'par' } });
  assert.deepEqual(result.completion.values, ['paris', 'park', 'party']);
});

await check('resources: read text, binary and templated by their own URIs', async () => {
  const textResource = await client.readResource({ uri: 'test://static-text' });
  assert.equal(textResource.contents[0].text, 'This is the content of the static text resource.');
  const binary = await client.readResource({ uri: 'test://static-binary' });
  assert.equal(binary.contents[0].mimeType, 'image/png');
  const templated = await client.readResource({ uri: 'test://template/123/data' });
  assert.deepEqual(JSON.parse(templated.contents[0].text), { id: '123', templateTest: true, data: 'Data for ID: 123' });
});

if (session) {
  await check('sampling passes through to the client and back', async () => {
    const result = await client.callTool({ name: name('test_sampling'), arguments: { prompt: 'What is 6 x 7?' } });
    assert.equal(text(result), 'LLM response: from the TypeScript client');
    assert.deepEqual(samplingPrompts, ['What is 6 x 7?']);
  });

  await check('elicitation passes through, including SEP-1034 defaults and SEP-1330 enums', async () => {
    assert.match(text(await client.callTool({ name: name('test_elicitation'), arguments: { message: 'Who?' } })), /^User response: action=accept/);
    assert.match(text(await client.callTool({ name: name('test_elicitation_sep1034_defaults'), arguments: {} })), /action=accept/);
    assert.match(text(await client.callTool({ name: name('test_elicitation_sep1330_enums'), arguments: {} })), /action=accept/);
  });

  await check('progress notifications reach the caller', async () => {
    const seen = [];
    await client.callTool({ name: name('test_tool_with_progress'), arguments: {} }, undefined, { onprogress: (p) => seen.push(p.progress) });
    assert.deepEqual(seen, [0, 50, 100]);
  });

  await check('log notifications reach the client at the level it set', async () => {
    await client.setLoggingLevel('info');
    await client.callTool({ name: name('test_tool_with_logging'), arguments: {} });
    const deadline = Date.now() + 5000;
    while (logs.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(logs.length >= 3, `expected 3 log messages, got ${logs.length}`);
  });
} else {
  await check('a tool that needs the client fails clearly without a session', async () => {
    const result = await client.callTool({ name: name('test_sampling'), arguments: { prompt: 'x' } });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /sampling/);
  });
}

await client.close();
console.log(results.join('\n'));
const failed = results.filter((r) => r.startsWith('not ok')).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
