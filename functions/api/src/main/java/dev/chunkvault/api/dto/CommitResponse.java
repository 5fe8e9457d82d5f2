package dev.chunkvault.api.dto;

import dev.chunkvault.api.http.HttpResponse;
import dev.chunkvault.service.vault.CommitService;
import dev.chunkvault.service.vault.VersionView;
import java.util.Locale;

/** The answer to commit, delete and restore: what happened and the version that is now the head. */
public record CommitResponse(String outcome, VersionView version) {
    public static HttpResponse of(CommitService.CommitResult r) {
        CommitResponse body = new CommitResponse(r.outcome().name().toLowerCase(Locale.ROOT), r.version());
        return r.outcome() == CommitService.Outcome.UNCHANGED ? HttpResponse.ok(body) : HttpResponse.created(body);
    }
}
