// Browser stand-in for `lightning/platformShowToastEvent`: the event the platform turns into a
// toast. The page host listens for it on the document and records it (window.__toasts).
export class ShowToastEvent extends CustomEvent {
    constructor(toast) {
        super('lightning__showtoast', { bubbles: true, composed: true, cancelable: true, detail: toast });
    }
}
