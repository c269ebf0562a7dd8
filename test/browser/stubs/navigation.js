// Browser stand-in for `lightning/navigation`: navigation requests are recorded on the page
// (window.__navigations) instead of leaving it.
export const NavigationMixin = (Base) =>
    class extends Base {
        [NavigationMixin.Navigate](pageReference) {
            (window.__navigations = window.__navigations || []).push(pageReference);
        }

        [NavigationMixin.GenerateUrl](pageReference) {
            return Promise.resolve(`#${encodeURIComponent(JSON.stringify(pageReference))}`);
        }
    };
NavigationMixin.Navigate = Symbol('Navigate');
NavigationMixin.GenerateUrl = Symbol('GenerateUrl');

export class CurrentPageReference {
    constructor(dataCallback) {
        this.dataCallback = dataCallback;
    }

    connect() {
        this.dataCallback({ type: 'standard__navItemPage', attributes: {}, state: {} });
    }

    update() {}

    disconnect() {}
}
