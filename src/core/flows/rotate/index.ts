/** Rotate Key Pair's core: what the shell's command calls (see each file). */
export * from './ask';
export * from './plan';
export * from './report';
export * from './run';
export * from './servers';
