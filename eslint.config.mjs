// ESLint: typescript-eslint's recommended and type-checked rules. Formatting is Prettier's
// job (npm run format); this config holds no style rules. Tests and benchmarks read JSON
// from servers and child processes, so the "unsafe any" family is off there only.
// The layers of src/ (core, shell, extension.ts; the core's one-way order; no import cycles)
// are lint rules by path: eslint-rules/layers.mjs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint-rules/layers.mjs';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'test-results/**',
      '**/*.mjs',
      '**/*.cjs',
      // Broken on purpose: the lint rules' own test (test/unit/lint.layers.test.ts) lints them.
      'test/fixtures/lint/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A caught error is `unknown`; passing it on to reject() as it came is right.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // The wizard's Back is a string sentinel (`string | Back` documents that a step may
      // answer Back), which this rule reads as redundant.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  ...layers,
  {
    // One l10n API in the shell: vscode.l10n.t. The core's l10n module is for its button ids (l10n.label).
    files: ['src/shell/**/*.ts'],
    ignores: ['src/shell/l10nVscode.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.object.type='Identifier'][callee.object.name='l10n'][callee.property.name='t']",
          message:
            'The shell translates with vscode.l10n.t (the core l10n module gives the shell only l10n.label ids).',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      // Tests stub methods and build messages from fixtures of any shape.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
