/** Half-typed calls of every SDK language, for detectHalfTyped.test.ts and the randomized truncations of the slow tier. */

export interface HalfTypedCase {
	readonly language: string;
	readonly fileName: string;
	/** Text before the calls and after them (a package, a class, a function body). */
	readonly head: string;
	readonly tail: string;
	/** A complete call of the language with `CONTENT` as its user message. */
	readonly call: string;
	/** The call being typed, as far as typed: a user message `"Hi` whose string is still open. */
	readonly typing: string;
	/** Typed on to a name declared nowhere and an element with no value yet. */
	readonly unknown: string;
	/** What the engine reads the user message `Hi` as. */
	readonly content: (text: string) => unknown;
	readonly unknownText: string;
}

const plain = (text: string): unknown => text;
const goBlock = (text: string): unknown => [{ type: 'text', text }];

export const halfTypedCases: HalfTypedCase[] = [
	{
		language: 'typescript', fileName: 'half.ts', head: 'const client = new Anthropic();\n', tail: '',
		call: 'await client.messages.create({ model: "claude-haiku-4-5", max_tokens: 10, messages: [{ role: "user", content: "CONTENT" }] });',
		typing: 'await client.messages.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi',
		unknown: 'await client.messages.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: question }, { role: ',
		content: plain, unknownText: 'question',
	},
	{
		language: 'python', fileName: 'half.py', head: 'import anthropic\nclient = anthropic.Anthropic()\n', tail: '',
		call: 'client.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=[{"role": "user", "content": "CONTENT"}])',
		typing: 'client.messages.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Hi',
		unknown: 'client.messages.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": question}, {"role": ',
		content: plain, unknownText: 'question',
	},
	{
		language: 'go', fileName: 'half.go', head: 'package main\n\nfunc main() {\n', tail: '}\n',
		call: '\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 10, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("CONTENT"))}})',
		typing: '\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-sonnet-4-5", Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hi',
		unknown: '\tclient.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-sonnet-4-5", Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(question)), anthropic.NewAssistantMessage(',
		content: goBlock, unknownText: 'question',
	},
	{
		language: 'java', fileName: 'Half.java', head: 'class Half {\n    void run() {\n', tail: '    }\n}\n',
		call: '        client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(10L).addUserMessage("CONTENT").build());',
		// The builder is finished with `.build()` where the typed text ends.
		typing: '        client.messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5").addUserMessage("Hi',
		unknown: '        client.messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5").addUserMessage(question).addAssistantMessage(',
		content: plain, unknownText: 'question',
	},
	{
		language: 'ruby', fileName: 'half.rb', head: 'client = Anthropic::Client.new\n', tail: '',
		call: 'client.messages.create(model: "claude-haiku-4-5", max_tokens: 10, messages: [{role: "user", content: "CONTENT"}])',
		// A Ruby string may span lines: left open, it would run into the next call.
		typing: 'client.messages.create(model: "claude-sonnet-4-5", messages: [{role: "user", content: "Hi',
		unknown: 'client.messages.create(model: "claude-sonnet-4-5", messages: [{role: "user", content: question}, {role: ',
		content: plain, unknownText: 'question',
	},
	{
		language: 'csharp', fileName: 'Half.cs', head: 'AnthropicClient client = new();\n', tail: '',
		call: 'await client.Messages.Create(new() { Model = "claude-haiku-4-5", MaxTokens = 10, Messages = [new() { Role = Role.User, Content = "CONTENT" }] });',
		typing: 'await client.Messages.Create(new() { Model = "claude-sonnet-4-5", Messages = [new() { Role = Role.User, Content = "Hi',
		unknown: 'await client.Messages.Create(new() { Model = "claude-sonnet-4-5", Messages = [new() { Role = Role.User, Content = question }, new() { Role = ',
		content: plain, unknownText: 'question',
	},
	{
		language: 'php', fileName: 'half.php', head: '<?php\n$client = new Client();\n', tail: '',
		call: '$client->messages->create(model: "claude-haiku-4-5", maxTokens: 10, messages: [["role" => "user", "content" => "CONTENT"]]);',
		typing: '$client->messages->create(model: "claude-sonnet-4-5", messages: [["role" => "user", "content" => "Hi',
		unknown: '$client->messages->create(model: "claude-sonnet-4-5", messages: [["role" => "user", "content" => $question], ["role" => ',
		content: plain, unknownText: '$question',
	},
];

/** Where the call's own text starts in a line (after `await ` and indentation). */
export function callStart(line: string): number {
	return line.search(/(?<![\w$])(?:\$?client)[.-]/);
}

export function withContent(c: HalfTypedCase, content: string): string {
	return c.call.replace('CONTENT', content);
}
