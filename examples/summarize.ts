import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();

const SYSTEM_PROMPT = `You summarise engineering incident reports for an executive audience.
Keep it under 150 words, lead with customer impact, then root cause, then follow-ups.`;

const tools: Anthropic.Tool[] = [
	{
		name: 'get_incident',
		description: 'Fetch an incident report by id, with its timeline and the affected services.',
		input_schema: {
			type: 'object',
			properties: { id: { type: 'string', description: 'Incident id such as INC-2291' } },
			required: ['id'],
		},
	},
];

export async function summarise(reportText: string) {
	return client.messages.create({
		model: 'claude-sonnet-4-5',
		max_tokens: 1024,
		system: SYSTEM_PROMPT,
		tools,
		messages: [
			{ role: 'user', content: 'Summarise the incident below.' },
			{ role: 'user', content: reportText },
		],
	});
}

export async function preflight() {
	const count = await client.messages.countTokens({
		model: 'claude-haiku-5-5',
		system: SYSTEM_PROMPT,
		messages: [{ role: 'user', content: 'Summarise INC-2291 for the weekly review.' }],
	});
	return count.input_tokens;
}
