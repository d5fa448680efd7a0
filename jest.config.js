// The AWS SDK's notice that its 2027 releases need Node 22 would repeat in every test file's output;
// the README says it once. Workers inherit this process's environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Jest runs the TypeScript tests through ts-jest; slow tests that spawn real processes set their own timeouts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  testTimeout: 60000,
};
