/** A minimal event emitter for the core (the editor's EventEmitter is not available outside VS Code). */
export type Listener<T> = (value: T) => void;

export interface Subscription {
	dispose(): void;
}

export class Emitter<T> {
	private listeners = new Set<Listener<T>>();

	readonly event = (listener: Listener<T>): Subscription => {
		this.listeners.add(listener);
		return { dispose: () => this.listeners.delete(listener) };
	};

	fire(value: T): void {
		for (const listener of [...this.listeners]) {
			try {
				listener(value);
			} catch {
				// One faulty listener must not stop the others.
			}
		}
	}

	dispose(): void {
		this.listeners.clear();
	}
}
