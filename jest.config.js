/** Unit tests live beside the code; integration and e2e tests under test/. */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
// Prisma's WebAssembly schema engine ships its glue as an ES module; jest loads it through the
// transform (tsx does the same at run time), see server/db/schema-engine-wasm.ts.
const transformIgnorePatterns = ['/node_modules/(?!@prisma/schema-engine-wasm/)'];

module.exports = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, transformIgnorePatterns, testMatch: ['<rootDir>/server/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts'] },
    { displayName: 'integration', testEnvironment: 'node', transform, transformIgnorePatterns, testMatch: ['<rootDir>/test/integration/**/*.test.ts'], setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'] },
    { displayName: 'e2e', testEnvironment: 'node', transform, transformIgnorePatterns, testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
