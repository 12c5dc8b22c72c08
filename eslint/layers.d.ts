import type { ESLint } from 'eslint';

export declare const LAYERS: readonly (readonly string[])[];
export declare const FORBIDDEN: Readonly<Record<string, { readonly folders: readonly string[]; readonly why: string }>>;
export declare const ONLY_FROM: Readonly<Record<string, { readonly importers: readonly string[]; readonly why: string }>>;
export declare function layerOf(file: string, srcRoot: string): string | undefined;
export declare function refusal(from: string | undefined, to: string | undefined): string | undefined;
declare const plugin: ESLint.Plugin;
export default plugin;
