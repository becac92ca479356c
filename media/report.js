// The report page's only script: buttons post their command to the extension; fold toggles stay local.
(function () {
	const vscode = acquireVsCodeApi();
	document.addEventListener('click', (event) => {
		const target = event.target;
		if (!(target instanceof HTMLElement)) { return; }
		if (target.dataset.toggle) {
			const folded = document.getElementById(target.dataset.toggle);
			if (folded) {
				folded.hidden = !folded.hidden;
				target.textContent = folded.hidden ? target.dataset.showText || target.textContent : 'Hide the middle messages';
			}
			return;
		}
		if (target.dataset.command) {
			vscode.postMessage({ command: target.dataset.command });
		}
	});
	// A running batch estimate sends its figures here instead of reloading the page.
	window.addEventListener('message', (event) => {
		const msg = event.data;
		if (!msg || msg.type !== 'progress') { return; }
		const text = document.querySelector('[data-progress-text]');
		if (text) { text.textContent = String(msg.text); }
		const fill = document.querySelector('[data-progress-fill]');
		if (fill && Number.isInteger(msg.pct) && msg.pct >= 0 && msg.pct <= 100) { fill.className = `fill w${msg.pct}`; }
	});
	// Remember each fold button's first label so it can be restored.
	for (const b of document.querySelectorAll('button[data-toggle]')) { b.dataset.showText = b.textContent; }
})();
