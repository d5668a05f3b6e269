// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {DatanetRegistry} from "./DatanetRegistry.sol";

/// @title ModelRegistry
/// @notice Binds an adapter (by the hash of its file) to the base model it was trained on, the
/// datanet snapshots it was trained from and the hash of its training configuration.
contract ModelRegistry {
    struct Adapter {
        address publisher;
        bytes32 baseModelHash;
        bytes32 configHash;
        uint64 registeredAt;
    }

    DatanetRegistry public immutable datanets;
    mapping(bytes32 adapterHash => Adapter) private _adapters;
    mapping(bytes32 adapterHash => bytes32[]) private _snapshotRoots;

    event AdapterRegistered(
        bytes32 indexed adapterHash,
        bytes32 indexed baseModelHash,
        address indexed publisher,
        bytes32 configHash,
        bytes32[] snapshotRoots
    );

    error AdapterAlreadyRegistered(bytes32 adapterHash);
    error UnknownSnapshot(bytes32 root);
    error NoSnapshots();
    error ZeroHash();

    constructor(DatanetRegistry datanets_) {
        datanets = datanets_;
    }

    /// @notice Every snapshot root must already be published, so an adapter can only claim
    /// training data that is itself on record.
    function registerAdapter(bytes32 adapterHash, bytes32 baseModelHash, bytes32[] calldata snapshotRoots, bytes32 configHash) external {
        if (adapterHash == bytes32(0) || baseModelHash == bytes32(0)) revert ZeroHash();
        if (snapshotRoots.length == 0) revert NoSnapshots();
        if (_adapters[adapterHash].registeredAt != 0) revert AdapterAlreadyRegistered(adapterHash);
        for (uint256 i = 0; i < snapshotRoots.length; i++) {
            if (!datanets.isPublished(snapshotRoots[i])) revert UnknownSnapshot(snapshotRoots[i]);
        }
        _adapters[adapterHash] = Adapter({
            publisher: msg.sender,
            baseModelHash: baseModelHash,
            configHash: configHash,
            registeredAt: uint64(block.timestamp)
        });
        _snapshotRoots[adapterHash] = snapshotRoots;
        emit AdapterRegistered(adapterHash, baseModelHash, msg.sender, configHash, snapshotRoots);
    }

    function adapter(bytes32 adapterHash)
        external
        view
        returns (address publisher, bytes32 baseModelHash, bytes32 configHash, uint64 registeredAt, bytes32[] memory snapshotRoots)
    {
        Adapter memory a = _adapters[adapterHash];
        return (a.publisher, a.baseModelHash, a.configHash, a.registeredAt, _snapshotRoots[adapterHash]);
    }
}
