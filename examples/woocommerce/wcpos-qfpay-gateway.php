<?php
/**
 * Plugin Name: QFPay terminal (bridge) for WooCommerce POS
 * Description: "Pay on terminal" on the order-pay page. A bridge on the shop LAN (examples/woocommerce/bridge.mjs from qfpay-ecr) runs the payment on the QFPay terminal and marks the order paid through the REST API; this page only asks for it and waits.
 * Version: 0.1.0
 * Requires Plugins: woocommerce
 * License: MIT
 *
 * Handshake (order meta, see @qfpay-ecr/woo-adapter requests.ts):
 *   page   → _qfpay_pay_request        {"id","channel","at"}   (this plugin, on "Pay on terminal")
 *   page   → _qfpay_cancel_request     "<id>"                  (this plugin, on "Cancel")
 *   bridge → _qfpay_pay_request_handled "<id>"                 (before charging; never twice)
 *   bridge → _qfpay_status, transaction_id, set_paid, notes    (the result)
 *   bridge → _qfpay_pay_request_error  {"id","code","message"} (when it refused to charge)
 * When WooCommerce shows the order paid, the page submits the order-pay form; process_payment()
 * only accepts it if the order is paid with the transaction the bridge stored.
 *
 * This file is an example to adapt and review, not a hardened product: it has no settings page
 * beyond enable/title and renders its own small script.
 */

defined( 'ABSPATH' ) || exit;

const QFPAY_TERMINAL_CHANNELS = array( 'card_payment', 'wx', 'alipay', 'payme', 'union', 'fps', 'octopus', 'unionpay_card', 'amex_card' );

add_action(
	'plugins_loaded',
	function () {
		if ( ! class_exists( 'WC_Payment_Gateway' ) ) {
			return;
		}

		class WC_Gateway_QFPay_Terminal extends WC_Payment_Gateway {
			public function __construct() {
				$this->id                 = 'qfpay_terminal'; // the adapter's default paymentMethodId
				$this->method_title       = 'QFPay terminal';
				$this->method_description = 'Card and wallet payments on a QFPay terminal, run by the shop-LAN bridge.';
				$this->has_fields         = true;
				$this->supports           = array( 'products' ); // refunds: `qfpay-woo refund` or the terminal; recorded by the bridge
				$this->init_form_fields();
				$this->init_settings();
				$this->title = $this->get_option( 'title', 'QFPay terminal' );
			}

			public function init_form_fields() {
				$this->form_fields = array(
					// Off for the web shop; WooCommerce POS enables gateways separately (POS → Settings → Checkout).
					'enabled' => array(
						'title'   => 'Enable in the web shop',
						'type'    => 'checkbox',
						'default' => 'no',
					),
					'title'   => array(
						'title'   => 'Title',
						'type'    => 'text',
						'default' => 'QFPay terminal',
					),
				);
			}

			public function payment_fields() {
				$order_id = absint( get_query_var( 'order-pay' ) );
				$order    = $order_id ? wc_get_order( $order_id ) : false;
				if ( ! $order ) {
					echo '<p>Open this order from WooCommerce POS to pay on the terminal.</p>';
					return;
				}
				$options = '';
				foreach ( QFPAY_TERMINAL_CHANNELS as $channel ) {
					$options .= '<option value="' . esc_attr( $channel ) . '">' . esc_html( $channel ) . '</option>';
				}
				printf(
					'<div id="qfpay-terminal" data-ajax="%1$s" data-order="%2$d" data-key="%3$s">
						<select class="qfpay-channel">%4$s</select>
						<button type="button" class="button qfpay-start">Pay on terminal</button>
						<button type="button" class="button qfpay-cancel" disabled>Cancel</button>
						<p class="qfpay-status" aria-live="polite"></p>
					</div>',
					esc_url( admin_url( 'admin-ajax.php' ) ),
					$order->get_id(),
					esc_attr( $order->get_order_key() ),
					$options // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped parts above
				);
				?>
				<script>
				(function () {
					var root = document.getElementById('qfpay-terminal');
					if (!root) return;
					var status = root.querySelector('.qfpay-status');
					var start = root.querySelector('.qfpay-start');
					var cancel = root.querySelector('.qfpay-cancel');
					var request = null, polls = 0, seenPending = false;
					function post(action, extra) {
						var body = new URLSearchParams(Object.assign({ action: action, order_id: root.dataset.order, order_key: root.dataset.key }, extra || {}));
						return fetch(root.dataset.ajax, { method: 'POST', credentials: 'same-origin', body: body }).then(function (r) { return r.json(); });
					}
					function show(text) { status.textContent = text; }
					function done(text) { show(text); start.disabled = false; cancel.disabled = true; request = null; }
					function poll() {
						if (!request) return;
						if (++polls > 150) return done('No answer from the bridge for 5 minutes: check it is running, then try again.');
						setTimeout(function () {
							post('qfpay_terminal_status', { request: request }).then(function (r) {
								if (!request) return;
								if (!r.success) return done(r.data && r.data.message ? r.data.message : 'Error');
								var s = r.data;
								if (s.paid) {
									show('Paid.');
									var place = document.getElementById('place_order');
									if (place) place.click();
									return;
								}
								if (s.error) return done(s.error);
								if (!s.picked_up) { show('Sent to the bridge…'); return poll(); }
								if (s.attempt_status === 'pending') seenPending = true;
								if (seenPending && ['declined', 'cancelled', 'failed'].indexOf(s.attempt_status) >= 0) return done('Payment ' + s.attempt_status + '. You can try again.');
								if (s.attempt_status === 'unknown') show('Result not known yet; the bridge is checking with the terminal. Do not charge again.');
								else show('Customer is paying on the terminal…');
								poll();
							}, function () { show('Connection problem; retrying…'); poll(); });
						}, 2000);
					}
					start.addEventListener('click', function () {
						start.disabled = true;
						post('qfpay_terminal_request', { channel: root.querySelector('.qfpay-channel').value }).then(function (r) {
							if (!r.success) return done(r.data && r.data.message ? r.data.message : 'Refused');
							request = r.data.request; polls = 0; seenPending = false; cancel.disabled = false;
							show('Sent to the bridge…');
							poll();
						}, function () { done('Connection problem'); });
					});
					cancel.addEventListener('click', function () {
						if (request) post('qfpay_terminal_cancel', { request: request });
						show('Cancelling on the terminal…');
					});
				})();
				</script>
				<?php
			}

			public function process_payment( $order_id ) {
				$order = wc_get_order( $order_id );
				$syssn = $order ? (string) $order->get_meta( '_qfpay_syssn' ) : '';
				if ( ! $order || ! $order->is_paid() || '' === $syssn || $order->get_transaction_id() !== $syssn ) {
					wc_add_notice( 'The terminal has not confirmed this payment yet.', 'error' );
					return array( 'result' => 'failure' );
				}
				return array(
					'result'   => 'success',
					'redirect' => $this->get_return_url( $order ),
				);
			}
		}

		add_filter(
			'woocommerce_payment_gateways',
			function ( $gateways ) {
				$gateways[] = 'WC_Gateway_QFPay_Terminal';
				return $gateways;
			}
		);
	}
);

/** The order named by the AJAX request, checked against its order key (the pay-for-order capability). */
function qfpay_terminal_order_from_request() {
	// phpcs:disable WordPress.Security.NonceVerification.Missing -- the order key is the capability, as on WooCommerce's pay-for-order page
	$order = wc_get_order( absint( $_POST['order_id'] ?? 0 ) );
	$key   = sanitize_text_field( wp_unslash( $_POST['order_key'] ?? '' ) );
	// phpcs:enable
	if ( ! $order || '' === $key || ! hash_equals( $order->get_order_key(), $key ) ) {
		wp_send_json_error( array( 'message' => 'Unknown order.' ), 403 );
	}
	return $order;
}

function qfpay_terminal_request() {
	$order   = qfpay_terminal_order_from_request();
	$channel = sanitize_key( wp_unslash( $_POST['channel'] ?? 'card_payment' ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
	if ( ! in_array( $channel, QFPAY_TERMINAL_CHANNELS, true ) ) {
		wp_send_json_error( array( 'message' => 'Unknown payment method.' ), 400 );
	}
	if ( ! $order->needs_payment() && ! $order->has_status( 'on-hold' ) ) {
		wp_send_json_error( array( 'message' => 'This order does not need payment.' ), 409 );
	}
	$id = wp_generate_password( 16, false );
	$order->update_meta_data( '_qfpay_pay_request', wp_json_encode( array( 'id' => $id, 'channel' => $channel, 'at' => gmdate( 'c' ) ) ) );
	$order->save();
	wp_send_json_success( array( 'request' => $id ) );
}

function qfpay_terminal_status() {
	$order = qfpay_terminal_order_from_request();
	$id    = sanitize_text_field( wp_unslash( $_POST['request'] ?? '' ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
	$error = json_decode( (string) $order->get_meta( '_qfpay_pay_request_error' ), true );
	wp_send_json_success(
		array(
			'paid'           => $order->is_paid(),
			'status'         => $order->get_status(),
			'picked_up'      => '' !== $id && (string) $order->get_meta( '_qfpay_pay_request_handled' ) === $id,
			'attempt_status' => (string) $order->get_meta( '_qfpay_status' ),
			'error'          => ( is_array( $error ) && ( $error['id'] ?? '' ) === $id ) ? (string) ( $error['message'] ?? 'Refused.' ) : null,
		)
	);
}

function qfpay_terminal_cancel() {
	$order = qfpay_terminal_order_from_request();
	$id    = sanitize_text_field( wp_unslash( $_POST['request'] ?? '' ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
	if ( '' !== $id ) {
		$order->update_meta_data( '_qfpay_cancel_request', $id );
		$order->save();
	}
	wp_send_json_success();
}

foreach ( array( 'qfpay_terminal_request', 'qfpay_terminal_status', 'qfpay_terminal_cancel' ) as $qfpay_action ) {
	add_action( 'wp_ajax_' . $qfpay_action, $qfpay_action );
	add_action( 'wp_ajax_nopriv_' . $qfpay_action, $qfpay_action );
}
