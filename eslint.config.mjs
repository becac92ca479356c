import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/fixtures/**', '.vscode-test/**', '.vscode-test-web/**', 'examples/**'] },
	...tseslint.configs.recommended,
	{
		rules: {
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'@typescript-eslint/no-require-imports': 'off',
		},
	},
	{
		// The core runs in plain node (unit tests, CLI): it must never depend on the editor.
		files: ['src/core/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts', 'test/unit/**/*.ts', 'test/slow/**/*.ts'],
		rules: {
			'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core runs outside VS Code: no vscode import here.' }] }],
		},
	},
);
