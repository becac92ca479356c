// The report page's only script: buttons post their command to the extension.
(function () {
	const vscode = acquireVsCodeApi();
	document.addEventListener('click', (event) => {
		const target = event.target;
		if (target instanceof HTMLElement && target.dataset.command) {
			vscode.postMessage({ command: target.dataset.command });
		}
	});
})();
