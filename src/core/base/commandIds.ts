/**
 * Every command id of the extension, in one place. package.json contributes the same ids
 * (a unit test keeps the two in step); code never spells an id as a string literal.
 * No `vscode` import, so plain Node tests can read it.
 */
export const COMMAND = {
  create: 'keypairs.create',
  setToken: 'keypairs.setToken',
  clearToken: 'keypairs.clearToken',
  signIn: 'keypairs.signIn',
  signOut: 'keypairs.signOut',
  selectRegion: 'keypairs.selectRegion',
  refresh: 'keypairs.refresh',
  loadMore: 'keypairs.loadMore',
  copyPublicKey: 'keypairs.copyPublicKey',
  copyFingerprint: 'keypairs.copyFingerprint',
  openPublicKey: 'keypairs.openPublicKey',
  revealPrivateKey: 'keypairs.revealPrivateKey',
  delete: 'keypairs.delete',
  import: 'keypairs.import',
  addToSshConfig: 'keypairs.addToSshConfig',
  rotate: 'keypairs.rotate',
  connect: 'keypairs.connect',
  copyAddress: 'keypairs.copyAddress',
  copySshCommand: 'keypairs.copySshCommand',
  openSshConfig: 'keypairs.openSshConfig',
  trustHostKey: 'keypairs.trustHostKey',
  copyToRegions: 'keypairs.copyToRegions',
  checkOtherRegions: 'keypairs.checkOtherRegions',
} as const;

/** The short name of a command (`create`); `COMMAND[name]` is its id. */
export type CommandName = keyof typeof COMMAND;
export type CommandId = (typeof COMMAND)[CommandName];
