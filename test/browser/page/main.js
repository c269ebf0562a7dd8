// Page host: mounts the component named by ?c= (setup → c-scc-setup-wizard, status →
// c-scc-sync-status) under synthetic shadow, as Lightning Experience does, and shows every
// toast the components raise in a list the test can read.
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import SccSetupWizard from 'c/sccSetupWizard';
import SccSyncStatus from 'c/sccSyncStatus';

const COMPONENTS = {
    setup: ['c-scc-setup-wizard', SccSetupWizard],
    status: ['c-scc-sync-status', SccSyncStatus]
};

window.__toasts = [];
document.addEventListener('lightning__showtoast', (event) => {
    const { title, message, variant } = event.detail || {};
    window.__toasts.push({ title, message, variant });
    const item = document.createElement('li');
    item.className = `slds-notify slds-notify_toast slds-theme_${variant || 'info'} toast`;
    item.textContent = `${title}: ${message}`;
    document.getElementById('toasts').appendChild(item);
});

const which = new URLSearchParams(window.location.search).get('c') || 'setup';
const [tag, ctor] = COMPONENTS[which] || COMPONENTS.setup;
document.getElementById('main').appendChild(createElement(tag, { is: ctor }));
