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
	// Remember each fold button's first label so it can be restored.
	for (const b of document.querySelectorAll('button[data-toggle]')) { b.dataset.showText = b.textContent; }
})();
