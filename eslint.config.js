// One lint setup: typescript-eslint's type-checked rules (no floating promises, no unsafe any),
// formatting left to Prettier.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'test-artifacts/**', 'knowledge/articles/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Layers (docs/architecture.md): nothing imports from a layer above its own. The domain knows
  // only itself and the channel registry; the pool keeps tickets, messages and contacts and knows
  // no feature; the features' stores (accounts, knowledge, integrations) build on the pool and the
  // domain only; channels reach the core only through the domain's ports.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!domain/|\\.\\./channels/index\\.ts$)',
              message: 'src/domain imports only src/domain and the channel registry.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/pool/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '/(channels|accounts|knowledge|integrations|dispatch|desk|admin|pipeline|nlu|composition|http)/|^\\.\\./app\\.ts$',
              message: 'The pool knows no channel or feature: depend on src/domain instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/accounts/**/*.ts', 'src/knowledge/**/*.ts', 'src/integrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '/(channels|dispatch|desk|admin|pipeline|nlu|composition|http)/|^\\.\\./app\\.ts$',
              message:
                "A feature's store builds on src/pool and src/domain, not on the features using it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['channels/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '/src/(pool|accounts|knowledge|integrations|dispatch|desk|admin|pipeline|nlu|composition)/|/src/app\\.ts$',
              message:
                'Channels reach the core through src/domain/ports.ts and channels/module.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // HTTP responses in tests are untyped JSON (supertest's body is `any`); the assertions type them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
