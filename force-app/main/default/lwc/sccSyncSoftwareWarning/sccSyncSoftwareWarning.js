import { LightningElement, api } from 'lwc';

/**
 * Warns about other sync software found in the org (SyncSoftwareCheck findings), one block per
 * product with the users at risk and what to do; findings of the focused user come first.
 */
export default class SccSyncSoftwareWarning extends LightningElement {
    /** SyncSoftwareCheck.Finding[]: { product, userId, userName, detail, advice } */
    @api findings = [];
    /** Id of the user being configured; their findings are marked. */
    @api focusUserId;

    get hasFindings() {
        return Array.isArray(this.findings) && this.findings.length > 0;
    }

    get products() {
        const byProduct = new Map();
        for (const finding of this.findings || []) {
            if (!byProduct.has(finding.product)) {
                byProduct.set(finding.product, { product: finding.product, advice: finding.advice, users: [], affectsFocus: false });
            }
            const group = byProduct.get(finding.product);
            const isFocus = finding.userId === this.focusUserId;
            group.affectsFocus = group.affectsFocus || isFocus;
            group.users.push({
                key: `${finding.product}:${finding.userId}`,
                label: `${finding.userName || finding.userId}${isFocus ? ' (this user)' : ''}`,
                detail: finding.detail
            });
        }
        return [...byProduct.values()].sort((a, b) => Number(b.affectsFocus) - Number(a.affectsFocus));
    }

    get focusAtRisk() {
        return this.products.some((group) => group.affectsFocus);
    }
}
