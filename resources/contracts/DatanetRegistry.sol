// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title DatanetRegistry
/// @notice Who owns each datanet, and the Merkle root of every snapshot it published. Only 32-byte
/// commitments come here: the records, their salts and their text stay on the owner's machine.
contract DatanetRegistry {
    struct Snapshot {
        bytes32 datanetId;
        uint64 recordCount;
        uint64 publishedAt;
    }

    mapping(bytes32 datanetId => address owner) public datanetOwner;
    mapping(bytes32 root => Snapshot) private _snapshots;
    mapping(bytes32 datanetId => uint256 count) public snapshotCount;

    event DatanetRegistered(bytes32 indexed datanetId, address indexed owner);
    event DatanetOwnershipTransferred(bytes32 indexed datanetId, address indexed previousOwner, address indexed newOwner);
    event SnapshotPublished(bytes32 indexed datanetId, bytes32 indexed root, uint64 recordCount, uint256 sequence);

    error DatanetAlreadyRegistered(bytes32 datanetId);
    error NotDatanetOwner(bytes32 datanetId, address caller);
    error SnapshotAlreadyPublished(bytes32 root);
    error EmptySnapshot();
    error ZeroAddress();

    modifier onlyDatanetOwner(bytes32 datanetId) {
        if (datanetOwner[datanetId] != msg.sender) revert NotDatanetOwner(datanetId, msg.sender);
        _;
    }

    function registerDatanet(bytes32 datanetId) external {
        if (datanetOwner[datanetId] != address(0)) revert DatanetAlreadyRegistered(datanetId);
        datanetOwner[datanetId] = msg.sender;
        emit DatanetRegistered(datanetId, msg.sender);
    }

    function transferDatanetOwnership(bytes32 datanetId, address newOwner) external onlyDatanetOwner(datanetId) {
        if (newOwner == address(0)) revert ZeroAddress();
        datanetOwner[datanetId] = newOwner;
        emit DatanetOwnershipTransferred(datanetId, msg.sender, newOwner);
    }

    /// @notice A root is published once, ever: a snapshot is immutable, so the same root under two
    /// datanets (or twice) would make "which data trained this adapter" ambiguous.
    function publishSnapshot(bytes32 datanetId, bytes32 root, uint64 recordCount) external onlyDatanetOwner(datanetId) {
        if (recordCount == 0) revert EmptySnapshot();
        if (_snapshots[root].publishedAt != 0) revert SnapshotAlreadyPublished(root);
        _snapshots[root] = Snapshot({datanetId: datanetId, recordCount: recordCount, publishedAt: uint64(block.timestamp)});
        uint256 sequence = snapshotCount[datanetId]++;
        emit SnapshotPublished(datanetId, root, recordCount, sequence);
    }

    function snapshot(bytes32 root) external view returns (bytes32 datanetId, uint64 recordCount, uint64 publishedAt) {
        Snapshot memory s = _snapshots[root];
        return (s.datanetId, s.recordCount, s.publishedAt);
    }

    function isPublished(bytes32 root) external view returns (bool) {
        return _snapshots[root].publishedAt != 0;
    }
}
