package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.BadInput;
import dev.chunkvault.service.vault.Owner;

/**
 * PUT /v1/admin/quota: one account's quota on the logical bytes of its files. {@code owner} is the account's subject
 * (the {@code sub} of its tokens); {@code quotaBytes} is the quota in bytes (0 = unlimited), or null (or left out) to
 * remove the account's own quota, so that the deployment's default applies again.
 */
public record QuotaRequestDto(String owner, Long quotaBytes) {
    public QuotaRequestDto {
        Check.required(owner, "owner");
        if (owner.isEmpty() || owner.length() > 256 || owner.chars().anyMatch(Character::isISOControl)) {
            throw new BadInput("INVALID_OWNER", "'owner' must be an account's subject: 1 to 256 characters, no controls.");
        }
    }

    public Owner target() {
        return new Owner(owner);
    }
}
