import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

// The rule as the real lint configuration applies it, on real paths.
const eslint = new ESLint({ cwd: root });

async function guardErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  const fatal = result.messages.filter((message) => message.fatal);
  if (fatal.length > 0) throw new Error(fatal.map((message) => message.message).join('\n'));
  return result.messages.filter((message) => message.ruleId === 'firebreak/require-route-guard').map((message) => message.message);
}

const controller = (imports: string, classDecorators: string, members: string) =>
  [
    `import { Body, Controller, Delete, Get, Post } from '@nestjs/common';`,
    imports,
    ``,
    `${classDecorators}`,
    `@Controller('api/v1/things')`,
    `export class ThingsController {`,
    members,
    `}`,
    ``,
  ].join('\n');
const PLATFORM = `import { Public, RequireRole } from '@firebreak/platform';`;

describe('route guard rule', () => {
  // The first typed lint builds the TypeScript program of the whole tree: do it once, with time to spare.
  beforeAll(() => guardErrors('apps/mapper/src/main.ts', ''), 120_000);

  it('fails lint on a route with neither a role nor a public marker, naming the route', async () => {
    const code = controller(PLATFORM, '', `  @Get(':id')\n  find(): string {\n    return 'x';\n  }`);
    expect(await guardErrors('apps/mapper/src/main.ts', code)).toEqual([
      'GET /api/v1/things/:id (ThingsController.find) has no guard: it needs @RequireRole(...) or @Public() from @firebreak/platform, on the method or its controller.',
    ]);
  });

  it("passes a route guarded by @RequireRole('viewer')", async () => {
    const code = controller(PLATFORM, '', `  @Get()\n  @RequireRole('viewer')\n  list(): string[] {\n    return [];\n  }`);
    expect(await guardErrors('apps/mapper/src/main.ts', code)).toEqual([]);
  });

  it('passes a route marked @Public()', async () => {
    const code = controller(
      PLATFORM,
      '',
      `  @Public()\n  @Post('webhook')\n  receive(@Body() body: unknown): unknown {\n    return body;\n  }`,
    );
    expect(await guardErrors('apps/mapper/src/main.ts', code)).toEqual([]);
  });

  it('lets a guard on the controller cover all its routes', async () => {
    const members = `  @Get()\n  list(): string[] {\n    return [];\n  }\n\n  @Delete(':id')\n  remove(): void {}`;
    expect(await guardErrors('apps/mapper/src/main.ts', controller(PLATFORM, `@RequireRole('operator')`, members))).toEqual([]);
    expect(await guardErrors('apps/mapper/src/main.ts', controller(PLATFORM, `@Public()`, members))).toEqual([]);
  });

  it('reports each unguarded route of a controller, and only those', async () => {
    const members = `  @Get()\n  @RequireRole('viewer')\n  list(): string[] {\n    return [];\n  }\n\n  @Delete(':id')\n  remove(): void {}\n\n  helper(): void {}`;
    expect(await guardErrors('apps/mapper/src/main.ts', controller(PLATFORM, '', members))).toEqual([
      expect.stringMatching(/^DELETE \/api\/v1\/things\/:id \(ThingsController\.remove\)/),
    ]);
  });

  it('does not take a look-alike decorator for a guard', async () => {
    const code = controller(
      `const Public = () => () => undefined;`,
      '',
      `  @Public()\n  @Get()\n  list(): string[] {\n    return [];\n  }`,
    );
    expect(await guardErrors('apps/mapper/src/main.ts', code)).toEqual([
      expect.stringMatching(/^GET \/api\/v1\/things \(ThingsController\.list\)/),
    ]);
  });

  it('applies to the libs, which import the guards from their own source', async () => {
    const unguarded = controller('', '', `  @Get()\n  scrape(): string {\n    return '';\n  }`);
    expect(await guardErrors('libs/platform/src/index.ts', unguarded)).toHaveLength(1);
    const guarded = controller(
      `import { Public } from './auth/api-token.guard';`,
      '@Public()',
      `  @Get()\n  scrape(): string {\n    return '';\n  }`,
    );
    expect(await guardErrors('libs/platform/src/index.ts', guarded)).toEqual([]);
  });

  it('knows the route decorators under a namespace import too', async () => {
    const code = [
      `import * as nest from '@nestjs/common';`,
      `import * as platform from '@firebreak/platform';`,
      `@nest.Controller('things')`,
      `export class ThingsController {`,
      `  @nest.Put(':id')`,
      `  replace(): void {}`,
      ``,
      `  @nest.Patch(':id')`,
      `  @platform.RequireRole('admin')`,
      `  update(): void {}`,
      `}`,
      ``,
    ].join('\n');
    expect(await guardErrors('apps/mapper/src/main.ts', code)).toEqual([
      expect.stringMatching(/^PUT \/things\/:id \(ThingsController\.replace\)/),
    ]);
  });

  it('leaves test files alone', async () => {
    const code = controller('', '', `  @Get()\n  list(): string[] {\n    return [];\n  }`);
    expect(await guardErrors('libs/platform/src/platform.integration-spec.ts', code)).toEqual([]);
  });
});
