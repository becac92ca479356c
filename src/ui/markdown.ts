export { mdText } from '../core/util/markdown';

/**
 * Commands a trusted tooltip or hover may run. Each takes no argument that matters: Set API Key always asks
 * in a password box, so a link can never hand it a key.
 */
export const TOOLTIP_COMMANDS = [
	'claudeTokenMeter.setApiKey', 'claudeTokenMeter.showLog', 'claudeTokenMeter.estimateRequest', 'claudeTokenMeter.selectModel',
] as const;
