/** Entry of widget.js: defines <manku-status> once, however many times the script is included. */
import { MankuStatus } from './manku-status.js';

if (!customElements.get('manku-status')) customElements.define('manku-status', MankuStatus);
