/**
 * A function of a string whose answers are kept: each key is computed once, until more than `max` keys were
 * asked for, when every kept answer is dropped at once (the keys in use are then computed again).
 */
export function memoized<V>(compute: (key: string) => V, max: number): (key: string) => V {
	const answers = new Map<string, V>();
	return (key) => {
		let answer = answers.get(key);
		if (answer === undefined && !answers.has(key)) {
			if (answers.size >= max) {
				answers.clear();
			}
			answer = compute(key);
			answers.set(key, answer);
		}
		return answer as V;
	};
}
