import type { CountFn, Counter, Provider } from '../types';

/** A Counter as a CountFn: the body is sent with `model` set, for the provider's endpoint. */
export function countFnOf(counter: Counter, provider: Provider = 'anthropic'): CountFn {
	return (body, model, signal) => counter.count({ provider, model, body: { ...body, model } }, signal);
}
