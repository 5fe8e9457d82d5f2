package dev.chunkvault.service.store;

class InMemoryItemStoreTest extends ItemStoreContract {
    private static final InMemoryItemStore STORE = new InMemoryItemStore(ItemStoreContract.schemas());

    @Override
    protected ItemStore store() {
        return STORE;
    }
}
