import { dirname, resolve, sep } from 'node:path';

// Every HTTP route of a NestJS controller says who may call it: `@RequireRole(...)` or, deliberately,
// `@Public()` (health, metrics, docs, an endpoint with credentials of its own), on the method or its class.
// Recognised by import, not by name alone: the route decorators from @nestjs/common, the guards from
// @firebreak/platform (or, inside that lib, from its own source).

const NEST = '@nestjs/common';
const PLATFORM = '@firebreak/platform';
const PLATFORM_SOURCE = `${sep}libs${sep}platform${sep}src${sep}`;

const ROUTES = {
  Get: 'GET',
  Post: 'POST',
  Put: 'PUT',
  Patch: 'PATCH',
  Delete: 'DELETE',
  All: 'ALL',
  Head: 'HEAD',
  Options: 'OPTIONS',
  Search: 'SEARCH',
  QueryMethod: 'QUERY',
  Sse: 'GET (SSE)',
  RequestMapping: 'REQUEST',
  Propfind: 'PROPFIND',
  Proppatch: 'PROPPATCH',
  Mkcol: 'MKCOL',
  Copy: 'COPY',
  Move: 'MOVE',
  Lock: 'LOCK',
  Unlock: 'UNLOCK',
};
const GUARDS = new Set(['RequireRole', 'Public']);

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Every NestJS HTTP route carries @RequireRole(...) or @Public(), on the method or its controller.' },
    schema: [],
    messages: {
      unguarded:
        '{{route}} ({{handler}}) has no guard: it needs @RequireRole(...) or @Public() from @firebreak/platform, on the method or its controller.',
    },
  },
  create(context) {
    const filename = context.filename;
    /** local name → { source, imported } ('*' for a namespace import) */
    const imports = new Map();
    const classes = [];

    const isPlatform = (source) =>
      source === PLATFORM ||
      (source.startsWith('.') && resolve(dirname(filename), source).includes(PLATFORM_SOURCE) && filename.includes(PLATFORM_SOURCE));

    /** The exported name a decorator's callee refers to in `source`, or undefined. */
    const importedName = (callee, matches) => {
      if (callee.type === 'Identifier') {
        const binding = imports.get(callee.name);
        return binding && binding.imported !== '*' && matches(binding.source) ? binding.imported : undefined;
      }
      if (
        callee.type === 'MemberExpression' &&
        !callee.computed &&
        callee.object.type === 'Identifier' &&
        callee.property.type === 'Identifier'
      ) {
        const binding = imports.get(callee.object.name);
        return binding && binding.imported === '*' && matches(binding.source) ? callee.property.name : undefined;
      }
      return undefined;
    };
    const calls = (decorators) =>
      (decorators ?? []).map((decorator) => decorator.expression).filter((expression) => expression.type === 'CallExpression');
    const routeOf = (decorators) => {
      for (const call of calls(decorators)) {
        const name = importedName(call.callee, (source) => source === NEST);
        if (name && Object.hasOwn(ROUTES, name)) return { method: ROUTES[name], call };
      }
      return undefined;
    };
    const guarded = (decorators) => calls(decorators).some((call) => GUARDS.has(importedName(call.callee, isPlatform)));
    const pathOf = (call) => {
      const [argument] = call?.arguments ?? [];
      if (argument?.type === 'Literal' && typeof argument.value === 'string') return argument.value;
      if (argument?.type === 'ObjectExpression') {
        const path = argument.properties.find(
          (property) => property.type === 'Property' && property.key.type === 'Identifier' && property.key.name === 'path',
        );
        if (path?.value.type === 'Literal' && typeof path.value.value === 'string') return path.value.value;
      }
      return argument ? '…' : '';
    };
    const controllerPath = (classNode) => {
      const call = calls(classNode.decorators).find(
        (candidate) => importedName(candidate.callee, (source) => source === NEST) === 'Controller',
      );
      return call ? pathOf(call) : '';
    };
    const join = (...parts) =>
      `/${parts
        .map((part) => part.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`;

    return {
      ImportDeclaration(node) {
        for (const specifier of node.specifiers) {
          const imported =
            specifier.type === 'ImportNamespaceSpecifier'
              ? '*'
              : specifier.type === 'ImportDefaultSpecifier'
                ? 'default'
                : (specifier.imported.name ?? specifier.imported.value);
          imports.set(specifier.local.name, { source: node.source.value, imported });
        }
      },
      ClassBody(body) {
        classes.push(body.parent);
      },
      // Imports are hoisted: judge the classes once the whole file has been read.
      'Program:exit'() {
        for (const classNode of classes) {
          const classGuarded = guarded(classNode.decorators);
          for (const member of classNode.body.body) {
            if (member.type !== 'MethodDefinition' || member.static) continue;
            const route = routeOf(member.decorators);
            if (!route || classGuarded || guarded(member.decorators)) continue;
            const name = member.key.type === 'Identifier' ? member.key.name : context.sourceCode.getText(member.key);
            context.report({
              node: member.key,
              messageId: 'unguarded',
              data: {
                route: `${route.method} ${join(controllerPath(classNode), pathOf(route.call))}`,
                handler: `${classNode.id?.name ?? 'anonymous class'}.${name}`,
              },
            });
          }
        }
      },
    };
  },
};
