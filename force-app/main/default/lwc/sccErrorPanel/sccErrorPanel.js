import { LightningElement, api } from 'lwc';
import { reduceErrors } from 'c/ldsUtils';

/**
 * The one error panel of SmartCloud Connect: a short friendly line, and the reduced
 * messages of whatever failed, so admins can act on the worker's own words.
 */
export default class SccErrorPanel extends LightningElement {
    /** Friendly summary shown above the details. */
    @api friendlyMessage = 'Something went wrong.';
    /** Anything reduceErrors understands: Apex errors, wire errors, Error objects, strings. */
    @api errors;

    get messages() {
        return reduceErrors(this.errors).map((text, index) => ({ key: `m${index}`, text }));
    }

    get hasMessages() {
        return this.messages.length > 0;
    }
}
