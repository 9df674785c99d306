/**
 * The actions a message may offer, as button ids (English, from `l10n.label`: the shell shows
 * each translated and gets the id back), and the shape of a worded error.
 */
import * as l10n from '../base/l10n';

export const SET_TOKEN = l10n.label('Set API Token');
export const SIGN_IN = l10n.label('Sign In');
export const SELECT_REGION = l10n.label('Select Region');
export const OPEN_SETTING = l10n.label('Open Setting');
export const PROXY_SETTING = l10n.label('Open Proxy Setting');
export const SHOW_LOG = l10n.label('Show Log');
export const SSH_FOLDER_SETTING = l10n.label('Change SSH Folder');
export const COPY_PRIVATE = l10n.label('Copy Private Key');

export interface Described {
  message: string;
  actions: string[];
}
