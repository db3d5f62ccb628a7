import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

// The architecture rules are enforced by the real lint configuration, checked here on real paths.
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return result.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
}

describe('module boundaries', () => {
  it('fails lint when an app imports another app', async () => {
    const errors = await boundaryErrors(
      'apps/mapper/src/main.ts',
      "import { SERVICE } from '../../ingress/src/service';\nexport const x = SERVICE;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/Projects cannot be imported by a relative or absolute path/)]);
  });

  it('fails lint when contracts imports another lib', async () => {
    const errors = await boundaryErrors(
      'libs/contracts/src/index.ts',
      "import { BusConnection } from '@firebreak/bus';\nexport const x = BusConnection;\n",
    );
    expect(errors.join('\n')).toMatch(/type:contracts/);
  });

  it('fails lint when a lib imports the test infrastructure outside its tests', async () => {
    const errors = await boundaryErrors(
      'libs/bus/src/index.ts',
      "import { waitFor } from '@firebreak/testing';\nexport const x = waitFor;\n",
    );
    expect(errors.join('\n')).toMatch(/type:lib/);
  });

  it('lets an app import the libs', async () => {
    expect(
      await boundaryErrors('apps/mapper/src/main.ts', "import { runService } from '@firebreak/platform';\nexport const x = runService;\n"),
    ).toEqual([]);
  });
});
